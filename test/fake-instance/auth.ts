import { FRIENDICA_FORBIDDEN } from "./friendica.ts";
import { bearer, type Ctx, hasScope, sendJson } from "./http.ts";
import { liveToken, type Token } from "./state.ts";

const INVALID = { error: "The access token is invalid" };

/** A token-protected endpoint: sends 401 / 403 / 422 exactly as Mastodon does and returns undefined. */
export function authenticate(ctx: Ctx, scope: string, userOnly = true): Token | undefined {
  const token = liveToken(ctx.site, bearer(ctx));
  if (!token && ctx.site.flavour === "friendica") {
    sendJson(ctx, 403, FRIENDICA_FORBIDDEN);
    return undefined;
  }
  if (!token) {
    sendJson(ctx, 401, INVALID, { "www-authenticate": 'Bearer realm="Doorkeeper", error="invalid_token"' });
    return undefined;
  }
  if (!hasScope(token, scope)) {
    sendJson(ctx, 403, { error: "This action is outside the authorized scopes" });
    return undefined;
  }
  if (userOnly && !token.user) {
    sendJson(ctx, 422, { error: "This method requires an authenticated user" });
    return undefined;
  }
  return token;
}

/**
 * A public endpoint: no token needed, but a bad token is still refused. GoToSocial requires some
 * valid token (app or user) on these.
 */
export function publicAccess(ctx: Ctx): { ok: boolean; viewer?: string } {
  const raw = bearer(ctx);
  if (!raw && ctx.site.flavour !== "gts") return { ok: true };
  const token = liveToken(ctx.site, raw);
  if (!token) {
    sendJson(ctx, 401, INVALID);
    return { ok: false };
  }
  return token.user ? { ok: true, viewer: token.user } : { ok: true };
}
