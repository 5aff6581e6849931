import { createHash } from "node:crypto";
import { authenticatedApp, parseScopes } from "./apps.ts";
import { reusesAccessTokens, userTokenCreatedAtMs } from "./flavour.ts";
import { type Body, type Ctx, readBody, sendJson, str } from "./http.ts";
import { expiresIn } from "./lifetimes.ts";
import { refreshes, refreshGrant } from "./refresh.ts";
import { type App, type Code, issueToken, siteNow, type Token } from "./state.ts";

const INVALID_CLIENT =
  "Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method.";
const INVALID_GRANT =
  "The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client.";

/** Each server's answer to a failed exchange. */
function fail(ctx: Ctx, kind: "client" | "grant" | "request", detail: string) {
  const f = ctx.site.flavour;
  if (f === "gts") {
    if (kind === "client") return sendJson(ctx, 400, { error: "invalid_client", error_description: detail });
    // GoToSocial reports grant problems as a single odd error string.
    return sendJson(ctx, 400, { error: `invalid_request: ${detail}` });
  }
  // Pleroma/Akkoma answer every failed exchange the same way.
  if (f === "akkoma") return sendJson(ctx, 400, { error: "Invalid credentials" });
  if (kind === "client")
    return sendJson(ctx, 401, { error: "invalid_client", error_description: INVALID_CLIENT });
  if (kind === "grant")
    return sendJson(ctx, 400, { error: "invalid_grant", error_description: INVALID_GRANT });
  sendJson(ctx, 400, { error: "invalid_request", error_description: detail });
}

/** What every server's token answer holds: RFC 6749 §5.1's fields and Mastodon's `created_at`. */
export function tokenAnswer(token: Token, scopes: readonly string[] = token.scopes): Record<string, unknown> {
  return {
    access_token: token.token,
    token_type: "Bearer",
    scope: scopes.join(" "),
    created_at: token.createdAt,
  };
}

function tokenJson(ctx: Ctx, token: Token): Record<string, unknown> {
  const json = tokenAnswer(token);
  if (token.user && userTokenCreatedAtMs(ctx.site.flavour)) json.created_at = token.createdAt * 1000;
  const lifetime = expiresIn(ctx.site.flavour, token, siteNow(ctx.site));
  if (lifetime !== undefined) json.expires_in = lifetime;
  if (token.refresh) json.refresh_token = token.refresh.token;
  if (ctx.site.flavour === "akkoma" && token.user) json.me = `${ctx.site.origin}/users/${token.user}`;
  return json;
}

const s256 = (verifier: string): string => createHash("sha256").update(verifier).digest("base64url");

function checkCode(ctx: Ctx, body: Body, app: App): Code | string {
  const code = ctx.site.codes.get(str(body, "code") ?? "");
  if (!code || code.clientId !== app.clientId) return "code is invalid or expired";
  if (code.redirectUri !== str(body, "redirect_uri")) return "redirect_uri does not match";
  const verifier = str(body, "code_verifier");
  if (code.challenge && ctx.site.flavour !== "gts" && (!verifier || s256(verifier) !== code.challenge)) {
    // Doorkeeper has already consumed the code when it checks PKCE.
    ctx.site.codes.delete(code.code);
    return "code_verifier does not match";
  }
  return code;
}

function exchangeCode(ctx: Ctx, body: Body, app: App) {
  // GoToSocial refuses a scope parameter in the exchange.
  if (ctx.site.flavour === "gts" && body.scope !== undefined) {
    return fail(ctx, "request", "scope parameter is not allowed in a code exchange");
  }
  const code = checkCode(ctx, body, app);
  if (typeof code === "string") return fail(ctx, "grant", code);
  ctx.site.codes.delete(code.code);
  const reused = reusesAccessTokens(ctx.site.flavour) ? matchingToken(ctx, app, code) : undefined;
  sendJson(ctx, 200, tokenJson(ctx, reused ?? issueToken(ctx.site, app.clientId, code.scopes, code.user)));
}

/**
 * Doorkeeper's `AccessToken.matching_token_for`: the newest live token of this app and user whose
 * scopes equal the ones asked for (as sets). Tokens never expire on Mastodon, so any live one is
 * reusable.
 */
function matchingToken(ctx: Ctx, app: App, code: Code): Token | undefined {
  const wanted = [...new Set(code.scopes)].sort().join(" ");
  const live = [...ctx.site.tokens.values()].filter(
    (t) =>
      t.clientId === app.clientId &&
      t.user === code.user &&
      !t.revoked &&
      [...new Set(t.scopes)].sort().join(" ") === wanted,
  );
  return live.at(-1);
}

function clientCredentials(ctx: Ctx, body: Body, app: App) {
  const gts = ctx.site.flavour === "gts";
  const redirectUri = str(body, "redirect_uri");
  if (gts && (!redirectUri || !app.redirectUris.includes(redirectUri))) {
    return fail(ctx, "request", "redirect_uri is required");
  }
  const scopes = parseScopes(str(body, "scope"));
  if (!scopes?.every((s) => app.scopes.includes(s) || app.scopes.includes(s.split(":")[0] ?? s))) {
    return sendJson(ctx, 400, {
      error: "invalid_scope",
      error_description: "The requested scope is invalid.",
    });
  }
  const json = tokenJson(ctx, issueToken(ctx.site, app.clientId, scopes));
  sendJson(ctx, 200, gts ? { ...json, expires_in: 7200 } : json);
}

/** POST /oauth/token */
export async function token(ctx: Ctx) {
  const body = await readBody(ctx.req);
  if (body === "invalid") return fail(ctx, "request", "malformed body");
  const grant = str(body, "grant_type");
  const refresh = grant === "refresh_token" && refreshes(ctx.site.flavour);
  if (grant !== "authorization_code" && grant !== "client_credentials" && !refresh) {
    if (ctx.site.flavour === "gts" || ctx.site.flavour === "akkoma")
      return fail(ctx, "request", "grant_type");
    return sendJson(ctx, 400, {
      error: "unsupported_grant_type",
      error_description: "The authorization grant type is not supported by the authorization server.",
    });
  }
  const app = authenticatedApp(ctx, body);
  if (!app) return fail(ctx, "client", "client authentication failed");
  if (grant === "authorization_code") return exchangeCode(ctx, body, app);
  if (refresh) {
    const fresh = refreshGrant(ctx, body, app);
    return fresh && sendJson(ctx, 200, tokenJson(ctx, fresh));
  }
  clientCredentials(ctx, body, app);
}

/** POST /oauth/revoke (RFC 7009: unknown tokens are not an error). */
export async function revoke(ctx: Ctx) {
  const body = await readBody(ctx.req);
  const app = body === "invalid" ? undefined : authenticatedApp(ctx, body);
  const unauthorized = {
    error: "unauthorized_client",
    error_description: "You are not authorized to revoke this token",
  };
  if (!app || body === "invalid") return sendJson(ctx, 403, unauthorized);
  const found = ctx.site.tokens.get(str(body, "token") ?? "");
  if (found && found.clientId !== app.clientId) return sendJson(ctx, 403, unauthorized);
  if (found && !found.revoked) {
    found.revoked = true;
    ctx.site.revokedTokens++;
  }
  sendJson(ctx, 200, {});
}
