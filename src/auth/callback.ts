/**
 * `GET /auth/callback`: the instance sends the browser back here. Checks the login cookie and
 * state (constant time), exchanges the code server-side, looks up the account, stores it in the
 * session cookie and redirects to return_to. Every failure goes back to the frontend as
 * `?auth_error=<code>` rather than a raw JSON page: to the login's return_to once the transaction
 * is known, and before that (no state, an unknown state) to the one login pending in this
 * browser, or `/`.
 */

import type { Deps } from "../app/deps.ts";
import type { AppContext } from "../app/types.ts";
import { BffError, isBffError, logError } from "../errors.ts";
import { type AccountInfo, verifyCredentials } from "../oauth/account.ts";
import { assertIssuer } from "../oauth/issuer.ts";
import { timingSafeEqual } from "../oauth/pkce.ts";
import type { Registration, RegistrationRequest } from "../oauth/registration.ts";
import { revokeToken } from "../oauth/revoke.ts";
import { exchangeCode, isDeadClient } from "../oauth/token.ts";
import { isTokenSyntax } from "../oauth/token-syntax.ts";
import { registrationForClient, replaceRegistration } from "../registry/registry.ts";
import { fitAccount } from "../session/account-budget.ts";
import { addAccount } from "../session/accounts.ts";
import {
  clearLoginCookie,
  clearPendingLoginCookie,
  finishedLoginCookie,
  hasConcurrentLogin,
  type LoginTransaction,
  pendingReturnTo,
  readLoginTransaction,
} from "../session/login.ts";
import type { SessionAccount } from "../session/session.ts";
import { readSession, sessionSetCookie } from "../session/store.ts";
import { startAuthorization } from "./login.ts";
import { withAuthError, withQueryParam } from "./return-to.ts";
import { revokeAccount } from "./revoke-account.ts";
import { settleFinishedLogins } from "./settle-logins.ts";

const STATE_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export async function callback(c: AppContext): Promise<Response> {
  const { deps } = c.var;
  const query = new URL(c.req.url).searchParams;
  const state = query.get("state") ?? "";
  const cookies = c.req.header("cookie") ?? null;
  const hasState = STATE_PATTERN.test(state);
  const found = hasState ? await readLoginTransaction(cookies, state, deps.ring) : null;
  if (found === null) return unmatched(deps, query, cookies, hasState);
  const { tx, expired } = found;
  try {
    if (expired) throw new BffError("login_expired", "The login took too long; start it again.");
    if (!timingSafeEqual(tx.state, state)) {
      throw new BffError("invalid_state", "The sign-in answer does not belong to this login.");
    }
    return await finish(c, deps, tx, query);
  } catch (error) {
    if (!isBffError(error)) throw error;
    logError(error, "callback");
    const res = redirect(withAuthError(tx.returnTo, error.code, deps));
    res.headers.append("set-cookie", clearLoginCookie(state));
    return res;
  }
}

/**
 * A callback that matches no login of this browser: no usable state, or a state whose login
 * cookie is gone. It signs nobody in, so the browser can safely go back to the app rather than
 * to a JSON dead end: to the return_to of the one login pending in this browser (validated when
 * that login started), else to `/`, with `auth_error`. Hollo sends a denied consent back with
 * `error=access_denied` and no state at all; that ends the pending login, whose cookie is cleared.
 * A state that names another login leaves the pending one alone.
 */
async function unmatched(
  deps: Deps,
  query: URLSearchParams,
  cookies: string | null,
  hasState: boolean,
): Promise<Response> {
  const error = fallback(query.get("error"), hasState);
  logError(error, "callback");
  const res = redirect(withAuthError((await pendingReturnTo(cookies, deps.ring)) ?? "/", error.code, deps));
  const clear = !hasState && query.has("error") ? await clearPendingLoginCookie(cookies, deps.ring) : null;
  if (clear !== null) res.headers.append("set-cookie", clear);
  return res;
}

/** What went wrong for a callback without its login: the instance's OAuth error, else the state. */
function fallback(oauthError: string | null, hasState: boolean): BffError {
  if (oauthError === "access_denied") {
    return new BffError("access_denied", "The sign-in was cancelled on the instance.", {
      internal: hasState ? "denied; login unknown" : "denied without state",
    });
  }
  if (oauthError !== null) {
    return new BffError("authorization_failed", "The instance refused the sign-in.", {
      internal: `${oauthError.slice(0, 100)} (no matching login)`,
    });
  }
  return hasState
    ? new BffError("login_expired", "This login is unknown or has expired; start the login again.")
    : new BffError("invalid_state", "The sign-in answer carries no valid state; start the login again.");
}

async function finish(
  c: AppContext,
  deps: Deps,
  tx: LoginTransaction,
  query: URLSearchParams,
): Promise<Response> {
  const request: RegistrationRequest = {
    host: tx.host,
    origin: tx.origin,
    redirectUri: tx.redirectUri,
    scopes: tx.scopes,
  };
  const error = query.get("error");
  if (error !== null) {
    throw error === "access_denied"
      ? new BffError("access_denied", "The sign-in was cancelled on the instance.")
      : new BffError("authorization_failed", "The instance refused the sign-in.", {
          internal: error.slice(0, 100),
        });
  }
  const registration = await registrationForClient(deps.registry, request, tx.clientId);
  if (registration === null)
    throw new BffError("login_expired", "The login can no longer be completed; start again.");
  assertIssuer(registration, query);
  if (query.has("access_token"))
    return tokenInUrl(c, deps, tx, registration, query.get("access_token") ?? "");
  const code = query.get("code") ?? "";
  if (!isTokenSyntax(code)) throw new BffError("invalid_callback", "The sign-in answer carries no code.");
  let accessToken: string;
  let scope: string;
  try {
    ({ accessToken, scope } = await exchangeCode(deps.upstream, registration, code, tx.verifier));
  } catch (failure) {
    if (!isDeadClient(failure) || tx.retried) throw failure;
    // The instance forgot our app (deleted by an admin, database lost): register again, once.
    const fresh = await replaceRegistration(deps.registry, request, tx.clientId);
    return restart(c, tx, fresh, tx.forceLogin);
  }
  let account: AccountInfo;
  try {
    account = await verifyCredentials(deps.upstream, tx.origin, accessToken);
  } catch (failure) {
    // The token was issued but no session will hold it: revoke it rather than leave it live upstream.
    c.executionCtx.waitUntil(revokeToken(deps.upstream, registration, accessToken));
    throw failure;
  }
  const sessionAccount: SessionAccount = {
    instance: tx.host,
    origin: tx.origin,
    token: accessToken,
    scope,
    clientId: registration.clientId,
    ...account,
    streaming: registration.streaming,
  };
  return signIn(c, deps, tx, sessionAccount);
}

async function signIn(
  c: AppContext,
  deps: Deps,
  tx: LoginTransaction,
  issued: SessionAccount,
): Promise<Response> {
  const account = withinBudget(c, deps, tx, issued);
  const session = await readSession(c.req.header("cookie") ?? null, deps.ring);
  const merged = addAccount(session, account);
  if (merged === null) {
    c.executionCtx.waitUntil(revokeAccount(deps, account));
    throw new BffError(
      "too_many_accounts",
      "This browser session already holds the maximum number of accounts.",
    );
  }
  for (const old of merged.replaced) c.executionCtx.waitUntil(revokeAccount(deps, old));
  const waitUntil = (promise: Promise<unknown>) => c.executionCtx.waitUntil(promise);
  const header = c.req.header("cookie") ?? null;
  const settled = await settleFinishedLogins(
    deps,
    header,
    [...merged.accounts, ...merged.replaced],
    waitUntil,
  );
  let target = tx.returnTo;
  if (tx.expectedAcct !== "" && tx.expectedAcct !== account.username.toLowerCase()) {
    // Login by handle: the user signed in as someone else than the handle they typed.
    target = withQueryParam(target, "auth_warning", "account_mismatch", deps);
  }
  const res = redirect(target);
  res.headers.append(
    "set-cookie",
    await sessionSetCookie(merged.accounts, merged.active, deps.ring, deps.config.sessionTtl),
  );
  // With another login of this instance pending, both may finish at once from the same old
  // session: this login's slot keeps its token until a later request shows which session won.
  const racing = await hasConcurrentLogin(header, tx.host, tx.state, deps.ring);
  const own = racing ? await finishedLoginCookie(tx.state, account, deps.ring) : clearLoginCookie(tx.state);
  for (const cookie of [...settled.filter((line) => !sameName(line, own)), own]) {
    res.headers.append("set-cookie", cookie);
  }
  return res;
}

const sameName = (a: string, b: string) => a.slice(0, a.indexOf("=")) === b.slice(0, b.indexOf("="));

/** The account cut to its share of the cookie; a token no session can hold is revoked at once. */
function withinBudget(c: AppContext, deps: Deps, tx: LoginTransaction, account: SessionAccount) {
  try {
    return fitAccount(account, { scope: tx.scopes, streaming: account.origin.replace(/^http/, "ws") });
  } catch (error) {
    c.executionCtx.waitUntil(revokeAccount(deps, account));
    throw error;
  }
}

/** Akkoma/Pleroma put a token in the URL for a known browser: revoke it and retry with force_login. */
async function tokenInUrl(
  c: AppContext,
  deps: Deps,
  tx: LoginTransaction,
  registration: Registration,
  token: string,
): Promise<Response> {
  if (isTokenSyntax(token)) c.executionCtx.waitUntil(revokeToken(deps.upstream, registration, token));
  if (tx.retried || tx.forceLogin) {
    throw new BffError("invalid_callback", "The instance sent a token in the URL; it was revoked.");
  }
  return restart(c, tx, registration, true);
}

/** Starts the login again; its new cookie takes this login's slot (so nothing is left behind). */
function restart(c: AppContext, tx: LoginTransaction, registration: Registration, forceLogin: boolean) {
  const base = {
    ...tx,
    clientId: registration.clientId,
    redirectUri: registration.redirectUri,
    scopes: registration.scopes,
    forceLogin,
    retried: true,
  };
  return startAuthorization(c, registration, base, tx.state);
}

function redirect(location: string): Response {
  return new Response(null, { status: 302, headers: { location, "referrer-policy": "no-referrer" } });
}
