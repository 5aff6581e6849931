/**
 * The refresh grant (RFC 6749 §6), where a server has one:
 *
 * - Pixelfed (Laravel Passport / league/oauth2-server RefreshTokenGrant): the old access token and
 *   the old refresh token are revoked at once, and a new pair is issued; the old refresh token used
 *   again is refused with 401 `invalid_request` ("The refresh token is invalid.").
 * - Pleroma/Akkoma (Token.Strategy.RefreshToken): a new access token with the same refresh token;
 *   the old access token is deleted. A refresh token that is unknown answers 400.
 *
 * Mastodon, GoToSocial, snac, Hollo and Mitra have no refresh grant (unsupported_grant_type).
 */
import type { Flavour } from "./flavour.ts";
import { type Body, type Ctx, sendJson, str } from "./http.ts";
import { type App, issueToken, siteNow, type Token } from "./state.ts";

/** Servers with a refresh grant. */
export const refreshes = (f: Flavour): boolean => f === "pixelfed" || f === "akkoma";

/**
 * POST /oauth/token with grant_type=refresh_token, for an authenticated client: the new token, or
 * undefined when the refusal has been sent.
 */
export function refreshGrant(ctx: Ctx, body: Body, app: App): Token | undefined {
  const site = ctx.site;
  const presented = str(body, "refresh_token") ?? "";
  const now = siteNow(site);
  const old = [...site.tokens.values()].find(
    (t) => t.refresh?.token === presented && t.clientId === app.clientId && t.user !== undefined,
  );
  const usable = old?.refresh !== undefined && !old.refresh.revoked && now < old.refresh.expiresAt;
  if (!old?.user || !usable) {
    refuseRefresh(ctx);
    return undefined;
  }
  const fresh = issueToken(site, app.clientId, old.scopes, old.user);
  revoke(site, old);
  if (site.flavour === "akkoma") fresh.refresh = old.refresh;
  else if (old.refresh) old.refresh.revoked = true;
  site.refreshes++;
  return fresh;
}

function revoke(site: Ctx["site"], token: Token): void {
  if (token.revoked) return;
  token.revoked = true;
  site.revokedTokens++;
}

function refuseRefresh(ctx: Ctx): void {
  if (ctx.site.flavour === "akkoma") sendJson(ctx, 400, { error: "Invalid credentials" });
  else
    sendJson(ctx, 401, {
      error: "invalid_request",
      error_description: "The refresh token is invalid.",
      hint: "Token has been revoked",
      message: "The refresh token is invalid.",
    });
}
