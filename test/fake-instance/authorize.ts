import { parseScopes } from "./apps.ts";
import { issuerOf } from "./discovery.ts";
import { dropsStateOnDeny } from "./flavour.ts";
import { friendicaRow } from "./friendica.ts";
import { type Ctx, cookie, readBody, redirect, sendHtml, str } from "./http.ts";
import { consentPage, errorPage, signInPage } from "./pages.ts";
import { type App, issueToken, isUser, randomToken, siteNow } from "./state.ts";

/** A validated authorization request. */
interface AuthzRequest {
  app: App;
  redirectUri: string;
  scopes: string[];
  state: string | null;
  challenge?: string;
  forceLogin: boolean;
  params: URLSearchParams;
}

/** `uri` with extra query parameters (state echoed exactly as given). */
function withParams(uri: string, params: Record<string, string | null>): string {
  const url = new URL(uri);
  for (const [k, v] of Object.entries(params)) if (v !== null) url.searchParams.append(k, v);
  return url.toString();
}

/** Validates like Doorkeeper (Mastodon, Akkoma) or GoToSocial; sends the error itself on failure. */
function validate(ctx: Ctx, params: URLSearchParams): AuthzRequest | undefined {
  const gts = ctx.site.flavour === "gts";
  const app = ctx.site.apps.get(params.get("client_id") ?? "");
  if (!app && ctx.site.flavour === "snac") {
    // snac: an unknown or deleted client_id is a bare 400 page, nothing the BFF ever sees.
    sendHtml(ctx, 400, "<html><body><h1>400 Bad Request</h1></body></html>");
    return undefined;
  }
  if (!app) {
    const description =
      "Client authentication failed due to unknown client, no client authentication included.";
    sendHtml(ctx, 400, errorPage("invalid_client", description));
    return undefined;
  }
  const redirectUri = params.get("redirect_uri") ?? "";
  if (!app.redirectUris.includes(redirectUri)) {
    const description = "The redirect uri included is not valid.";
    sendHtml(ctx, gts ? 403 : 400, errorPage("invalid_redirect_uri", description));
    return undefined;
  }
  const state = params.get("state");
  const fail = (error: string, description: string): undefined => {
    if (gts) sendHtml(ctx, 400, errorPage(error, description));
    else redirect(ctx, 302, withParams(redirectUri, { error, error_description: description, state }));
    return undefined;
  };
  if (params.get("response_type") !== "code") {
    return fail("unsupported_response_type", "The authorization server does not support this response type.");
  }
  const scopes = parseScopes(params.get("scope") ?? undefined);
  if (!scopes?.every((s) => app.scopes.includes(s) || app.scopes.includes(s.split(":")[0] ?? s))) {
    return fail("invalid_scope", "The requested scope is invalid, unknown, or malformed.");
  }
  const challenge = params.get("code_challenge") || undefined;
  if (challenge && params.get("code_challenge_method") !== "S256") {
    return fail("invalid_request", "The code challenge method must be S256.");
  }
  if (!challenge && ctx.site.flavour === "mastodon") {
    return fail("invalid_request", "Code challenge is required.");
  }
  const forceLogin = params.get("force_login") === "true" && !gts;
  return { app, redirectUri, scopes, state, challenge, forceLogin, params };
}

function grantCode(ctx: Ctx, r: AuthzRequest, user: string) {
  const code = randomToken(32);
  // Friendica writes the (app, user) token row when the user authorizes, overwriting the last one.
  const row = ctx.site.flavour === "friendica" ? friendicaRow(ctx.site, r.app, r.scopes, user) : undefined;
  ctx.site.codes.set(code, {
    ...(row ? { token: row.token } : {}),
    code,
    clientId: r.app.clientId,
    redirectUri: r.redirectUri,
    scopes: r.scopes,
    user,
    ...(r.challenge ? { challenge: r.challenge } : {}),
    createdAt: siteNow(ctx.site),
  });
  r.app.lastUser = user;
  ctx.site.codesIssued++;
  redirect(ctx, 302, withParams(r.redirectUri, { code, state: r.state, iss: issParam(ctx) }));
}

/** RFC 9207 `iss` when the site is configured to send it (real Mastodon 4.4 does not). */
function issParam(ctx: Ctx): string | null {
  const send = ctx.site.config.iss?.send;
  if (send === undefined) return null;
  return send === "issuer" ? issuerOf(ctx.site.origin) : "https://other-server.example.net/";
}

function deny(ctx: Ctx, r: AuthzRequest) {
  const error_description = "The resource owner or authorization server denied the request.";
  // Hollo leaves state out of a denial; so does any server when the test asks (x-fake-drop-state).
  const dropState = dropsStateOnDeny(ctx.site.flavour) || ctx.req.headers["x-fake-drop-state"] === "1";
  const state = dropState ? null : r.state;
  redirect(
    ctx,
    302,
    withParams(r.redirectUri, { error: "access_denied", error_description, state, iss: issParam(ctx) }),
  );
}

function sessionUser(ctx: Ctx): { user: string; fresh: boolean } | undefined {
  const id = cookie(ctx.req, "fake_session");
  return id ? ctx.site.sessions.get(id) : undefined;
}

/** GET /oauth/authorize: programmatic approval via x-fake-* headers, else the HTML flow. */
export function authorize(ctx: Ctx) {
  const r = validate(ctx, ctx.url.searchParams);
  if (!r) return;
  const h = ctx.req.headers;
  if (h["x-fake-deny"] === "1") return deny(ctx, r);
  const headerUser = typeof h["x-fake-user"] === "string" ? h["x-fake-user"] : undefined;
  if (headerUser && !isUser(headerUser)) return sendHtml(ctx, 400, errorPage("No such user", headerUser));
  const session = sessionUser(ctx);
  const hasSession = h["x-fake-session"] === "1" || Boolean(session);
  // Akkoma/Pleroma: an existing session and no force_login hands the token straight back in the URL.
  if (ctx.site.flavour === "akkoma" && hasSession && !r.forceLogin) {
    const user = headerUser ?? session?.user ?? "alice";
    const token = issueToken(ctx.site, r.app.clientId, r.scopes, user);
    const params = { access_token: token.token, token_type: "Bearer", state: r.state };
    return redirect(ctx, 302, withParams(r.redirectUri, params));
  }
  if (headerUser) return grantCode(ctx, r, headerUser);
  if (!session || (r.forceLogin && !session.fresh)) {
    return sendHtml(ctx, 200, signInPage(ctx.site.host, ctx.url.searchParams));
  }
  session.fresh = false;
  sendHtml(ctx, 200, consentPage(r.app.name, session.user, r.scopes, ctx.url.searchParams));
}

/** POST /oauth/authorize: the consent form's Authorize or Deny button. */
export async function decide(ctx: Ctx) {
  const body = await readBody(ctx.req);
  const params = new URLSearchParams();
  if (body !== "invalid") {
    for (const [k, v] of Object.entries(body))
      if (typeof v === "string" && k !== "decision") params.set(k, v);
  }
  const r = validate(ctx, params);
  if (!r) return;
  const session = sessionUser(ctx);
  if (!session) return sendHtml(ctx, 200, signInPage(ctx.site.host, params));
  if (body !== "invalid" && str(body, "decision") === "deny") return deny(ctx, r);
  grantCode(ctx, r, session.user);
}

/** POST /auth/sign_in: checks the password, sets the session cookie, returns to the authorize step. */
export async function signIn(ctx: Ctx) {
  const body = await readBody(ctx.req);
  const fields = body === "invalid" ? {} : body;
  const query = new URLSearchParams(str(fields, "authorize_query") ?? "");
  const username = str(fields, "username") ?? "";
  if (!isUser(username) || str(fields, "password") !== "password") {
    return sendHtml(ctx, 200, signInPage(ctx.site.host, query, "Invalid username or password."));
  }
  const id = randomToken(24);
  ctx.site.sessions.set(id, { user: username, fresh: true });
  const setCookie = `fake_session=${id}; Path=/; HttpOnly; SameSite=Lax`;
  redirect(ctx, 303, `/oauth/authorize?${query}`, { "set-cookie": setCookie });
}
