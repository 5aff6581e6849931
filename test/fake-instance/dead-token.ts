/**
 * How each server refuses a request whose token is missing, unknown, revoked or expired — they do
 * not agree, and a client that only knows Mastodon's 401 keeps dead sessions forever:
 *
 * - Mastodon, GoToSocial, Hollo, Mitra: 401 (Mastodon's Doorkeeper body and `WWW-Authenticate`).
 * - Pleroma/Akkoma: 403 `{"error":"Invalid credentials."}` (EnsureAuthenticatedPlug); a public
 *   endpoint serves the request as anonymous instead (see `publicAccess` in auth.ts).
 * - Friendica: 403 (friendica.ts `FRIENDICA_FORBIDDEN`).
 * - snac (measured): `verify_credentials` 422 with an empty body, timelines 401 with an empty body.
 * - Pixelfed (Laravel's `auth:api`): 500 `{"error":"Unauthenticated."}` to a request that wants
 *   JSON, else a 302 to the web sign-in page `/login`.
 */
import { FRIENDICA_FORBIDDEN } from "./friendica.ts";
import { type Ctx, redirect, send, sendJson } from "./http.ts";

const VERIFY_CREDENTIALS = "/api/v1/accounts/verify_credentials";

/** Answers a request whose token does not work, as the site's server does. */
export function refuseToken(ctx: Ctx): void {
  const flavour = ctx.site.flavour;
  if (flavour === "akkoma") sendJson(ctx, 403, { error: "Invalid credentials." });
  else if (flavour === "friendica") sendJson(ctx, 403, FRIENDICA_FORBIDDEN);
  else if (flavour === "snac") send(ctx, ctx.path === VERIFY_CREDENTIALS ? 422 : 401, "", {});
  else if (flavour === "pixelfed" && wantsJson(ctx)) sendJson(ctx, 500, { error: "Unauthenticated." });
  else if (flavour === "pixelfed") redirect(ctx, 302, `${ctx.site.origin}/login`);
  else {
    sendJson(
      ctx,
      401,
      { error: "The access token is invalid" },
      { "www-authenticate": 'Bearer realm="Doorkeeper", error="invalid_token"' },
    );
  }
}

/** Laravel's `Request::wantsJson`: the first type the Accept header names is JSON. */
function wantsJson(ctx: Ctx): boolean {
  const first = (ctx.req.headers.accept ?? "").split(",")[0] ?? "";
  return first.includes("/json") || first.includes("+json");
}
