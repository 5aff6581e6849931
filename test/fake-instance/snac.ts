/**
 * snac's OAuth endpoints (2.94, C; measured on a real server). Its token endpoint checks neither
 * the code nor PKCE nor the scope and ignores grant_type: it answers with a token for the last user
 * who signed in through the app. A deleted or unknown client gets 401 with an empty body. Revoking
 * a token deletes the app itself.
 */
import { authenticatedApp } from "./apps.ts";
import { type Ctx, readBody, send, sendJson, str } from "./http.ts";
import { issueToken } from "./state.ts";
import { tokenAnswer } from "./token.ts";

/** POST /oauth/token on snac. */
export async function snacToken(ctx: Ctx) {
  const body = await readBody(ctx.req);
  const app = body === "invalid" ? undefined : authenticatedApp(ctx, body);
  if (body === "invalid" || !app) return send(ctx, 401, "", {});
  if (!app.redirectUris.includes(str(body, "redirect_uri") ?? "")) return sendJson(ctx, 400, {});
  // The token belongs to the app's last signed-in user — or, before anyone signed in through it,
  // to nobody: snac's mastoapi.c stores the app's `uid` with the token unchecked (read in its
  // 2023 source; 2.94 not re-measured), so the answer is 200 and the token opens no account.
  const token = issueToken(ctx.site, app.clientId, app.scopes, app.lastUser);
  // snac sends no expires_in and no refresh token.
  sendJson(ctx, 200, tokenAnswer(token));
}

/** POST /oauth/revoke on snac: the token goes, and the whole app with it. */
export async function snacRevoke(ctx: Ctx) {
  const body = await readBody(ctx.req);
  const app = body === "invalid" ? undefined : authenticatedApp(ctx, body);
  const token = body === "invalid" ? undefined : ctx.site.tokens.get(str(body, "token") ?? "");
  if (!app || !token || token.revoked || token.clientId !== app.clientId) return sendJson(ctx, 403, {});
  token.revoked = true;
  ctx.site.revokedTokens++;
  ctx.site.apps.delete(app.clientId);
  sendJson(ctx, 200, {});
}
