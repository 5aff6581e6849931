import { refuseToken } from "./dead-token.ts";
import { bearer, type Ctx, hasScope, sendJson } from "./http.ts";
import { liveToken, type Token } from "./state.ts";

/**
 * A token-protected endpoint: a dead token is refused as the site's server does (dead-token.ts),
 * a missing scope or an app token as Mastodon does (403 / 422); returns undefined then.
 */
export function authenticate(ctx: Ctx, scope: string, userOnly = true): Token | undefined {
  const token = liveToken(ctx.site, bearer(ctx));
  if (!token) {
    refuseToken(ctx);
    return undefined;
  }
  if (!hasScope(token, scope)) {
    sendJson(ctx, 403, { error: "This action is outside the authorized scopes" });
    return undefined;
  }
  if (userOnly && !token.user) {
    // snac opens the token's user and, finding none, answers as to a token it does not know.
    if (ctx.site.flavour === "snac") refuseToken(ctx);
    else sendJson(ctx, 422, { error: "This method requires an authenticated user" });
    return undefined;
  }
  return token;
}

/**
 * A public endpoint: no token needed, but a bad token is still refused (Pleroma/Akkoma: served as
 * anonymous). GoToSocial requires some valid token (app or user) on these.
 */
export function publicAccess(ctx: Ctx): { ok: boolean; viewer?: string } {
  const raw = bearer(ctx);
  if (!raw && ctx.site.flavour !== "gts") return { ok: true };
  const token = liveToken(ctx.site, raw);
  // Pleroma/Akkoma serve a public endpoint to a dead token as to nobody.
  if (!token && ctx.site.flavour === "akkoma") return { ok: true };
  if (!token) {
    refuseToken(ctx);
    return { ok: false };
  }
  return token.user ? { ok: true, viewer: token.user } : { ok: true };
}
