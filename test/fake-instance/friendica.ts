/**
 * Friendica's OAuth endpoints, read from its source (src/Security/OAuth.php,
 * src/Module/OAuth/{Authorize,Token,Revoke}.php, src/Module/BaseApi.php):
 *
 * - The table `application-token` has the primary key (application-id, uid), and the authorize
 *   step writes the row with `INSERT_UPDATE` (OAuth::createTokenForUser): the token exists as
 *   soon as the user authorizes, and a second authorization by the same user of the same app
 *   overwrites the first device's token. A client_credentials grant is the row of uid 0.
 * - The token endpoint looks the token up by its code (no PKCE, codes younger than 5 minutes, the
 *   code is not consumed); an unknown client is 422, an unknown or old code 401.
 * - `POST /oauth/revoke` deletes every token of the application (`DBA::delete('application-token',
 *   ['application-id' => …])`), not only the one named; a token it does not find is 401.
 * - An unknown token is 403 "Token is not authorized with a valid user or is missing a required
 *   scope" (BaseApi::checkAllowedScope).
 */
import { authenticatedApp } from "./apps.ts";
import { type Ctx, readBody, sendJson, str } from "./http.ts";
import { type App, issueToken, type Site, siteNow, type Token } from "./state.ts";
import { tokenAnswer } from "./token.ts";

/** Friendica's answer to a request without a usable token (ErrorFactory::Forbidden). */
export const FRIENDICA_FORBIDDEN = {
  error: "Token is not authorized with a valid user or is missing a required scope",
  error_description: "",
};

/** How long a code can be exchanged (Token.php: `created_at > UTC_TIMESTAMP() - INTERVAL 5 MINUTE`). */
const CODE_LIFETIME = 300;

/** Writes the (app, user) row: a new token replaces the user's previous one for this app. */
export function friendicaRow(site: Site, app: App, scopes: string[], user?: string): Token {
  for (const [raw, token] of site.tokens) {
    if (token.clientId === app.clientId && token.user === user && !token.revoked) site.tokens.delete(raw);
  }
  return issueToken(site, app.clientId, scopes, user);
}

const unprocessable = (ctx: Ctx) =>
  sendJson(ctx, 422, { error: "Unprocessable Entity", error_description: "" });
const unauthorized = (ctx: Ctx) => sendJson(ctx, 401, { error: "Unauthorized", error_description: "" });

/** POST /oauth/token on Friendica. */
export async function friendicaToken(ctx: Ctx) {
  const body = await readBody(ctx.req);
  if (body === "invalid") return unprocessable(ctx);
  const app = authenticatedApp(ctx, body);
  // OAuth::getApplication checks redirect_uri only when one is sent.
  const uri = str(body, "redirect_uri");
  if (!app || (uri && !app.redirectUris.includes(uri))) return unprocessable(ctx);
  const grant = str(body, "grant_type");
  let token: Token | undefined;
  if (grant === "client_credentials") token = friendicaRow(ctx.site, app, [], undefined);
  else if (grant === "authorization_code") {
    const code = ctx.site.codes.get(str(body, "code") ?? "");
    const fresh =
      code && code.clientId === app.clientId && code.createdAt > siteNow(ctx.site) - CODE_LIFETIME;
    token = fresh && code.token ? ctx.site.tokens.get(code.token) : undefined;
    if (!token) return unauthorized(ctx);
  } else return unprocessable(ctx);
  // The app's scopes: a client_credentials row holds none of its own.
  sendJson(ctx, 200, tokenAnswer(token, app.scopes));
}

/** POST /oauth/revoke on Friendica: every token of the application goes. */
export async function friendicaRevoke(ctx: Ctx) {
  const body = await readBody(ctx.req);
  const app = body === "invalid" ? undefined : authenticatedApp(ctx, body);
  const named = body === "invalid" ? undefined : ctx.site.tokens.get(str(body, "token") ?? "");
  if (!app || !named || named.clientId !== app.clientId) return unauthorized(ctx);
  for (const [raw, token] of ctx.site.tokens) {
    if (token.clientId !== app.clientId) continue;
    ctx.site.tokens.delete(raw);
    ctx.site.revokedTokens++;
  }
  sendJson(ctx, 200, {});
}
