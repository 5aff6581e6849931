/**
 * `GET /auth/callback/<host>`: the instance sends the browser back here. Checks that this is a
 * top-level navigation, finds the login by its state (constant time), and refuses an answer that
 * arrived on another instance's callback before anything else happens: the redirect URI names the
 * instance (RFC 9700 §4.4.2), so an authorization response one server sends to a login started
 * with another (a mix-up) is never exchanged, revoked or sent anywhere. Then it finishes the login
 * (callback-finish.ts): the code is exchanged
 * server-side, the account stored in the session cookie, and the browser sent to return_to. Every
 * failure goes back to the frontend as `?auth_error=<code>` rather than a raw JSON page: to the
 * login's return_to once the transaction is known, and before that (no state, an unknown state)
 * to the one login pending in this browser, or `/`.
 */

import { type Deps, loginRedirectUri } from "../app/deps.ts";
import type { AppContext } from "../app/types.ts";
import { BffError, isBffError, logError } from "../errors.ts";
import { timingSafeEqual } from "../oauth/pkce.ts";
import {
  clearLoginCookie,
  clearPendingLoginCookie,
  type LoginTransaction,
  pendingReturnTo,
  readLoginTransaction,
} from "../session/login.ts";
import { finishLogin } from "./callback-finish.ts";
import { redirectTo, withAuthError } from "./return-to.ts";

/** A state as this BFF draws it (session/login.ts): 43 base64url characters. */
const STATE_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export async function callback(c: AppContext): Promise<Response> {
  const { deps } = c.var;
  assertTopLevelNavigation(c.req.raw.headers);
  const url = new URL(c.req.url);
  const query = url.searchParams;
  const state = query.get("state") ?? "";
  const cookies = c.req.header("cookie") ?? null;
  const hasState = STATE_PATTERN.test(state);
  const found = hasState ? await readLoginTransaction(cookies, state, deps.ring) : null;
  if (found === null) return unmatched(deps, query, cookies, hasState);
  const { tx, expired } = found;
  try {
    assertArrivedOn(deps, tx, url);
    assertSameLogin(tx, state, expired);
    return await finishLogin(c, deps, tx, query);
  } catch (error) {
    if (!isBffError(error)) throw error;
    logError(error, "callback");
    const res = redirectTo(withAuthError(tx.returnTo, error.code, deps));
    res.headers.append("set-cookie", clearLoginCookie(state));
    return res;
  }
}

/**
 * An authorization response comes back by a browser navigation, which Fetch Metadata names
 * `document` / `navigate`: an `<img>`, a script, a frame or a fetch of a callback URL is refused
 * before any cookie is read or changed (it must neither finish nor end someone's login). Clients
 * that send no Fetch Metadata (older browsers, curl) are judged by the login start instead.
 */
function assertTopLevelNavigation(headers: Headers): void {
  const dest = headers.get("sec-fetch-dest");
  const mode = headers.get("sec-fetch-mode");
  if ((dest === null || dest === "document") && (mode === null || mode === "navigate")) return;
  throw new BffError("invalid_callback", "The sign-in answer must arrive as a page navigation.", {
    internal: `callback as ${dest ?? "?"}/${mode ?? "?"}`,
  });
}

/**
 * The mix-up defence (RFC 9700 §4.4): the callback path this answer arrived on is the redirect URI
 * the login was started with — the one registered with that instance alone. Compared raw, before
 * any outbound request: an answer for another instance ends this login with nothing sent anywhere.
 */
function assertArrivedOn(deps: Deps, tx: LoginTransaction, url: URL): void {
  let expected: string;
  try {
    expected = new URL(loginRedirectUri(deps, tx)).pathname;
  } catch {
    expected = "";
  }
  if (url.pathname === expected) return;
  throw new BffError(
    "invalid_callback",
    "The sign-in answer came from another server than the one you chose; start again.",
    {
      internal: `answer on ${url.pathname.slice(0, 120)} for a login with ${tx.host}`,
    },
  );
}

/** The login cookie found for this state is still valid and really is this state's login. */
function assertSameLogin(tx: LoginTransaction, state: string, expired: boolean): void {
  if (expired) throw new BffError("login_expired", "The login took too long; start it again.");
  if (!timingSafeEqual(tx.state, state)) {
    throw new BffError("invalid_state", "The sign-in answer does not belong to this login.");
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
  const res = redirectTo(withAuthError((await pendingReturnTo(cookies, deps.ring)) ?? "/", error.code, deps));
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
