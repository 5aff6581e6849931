/**
 * `GET /auth/callback`: the instance sends the browser back here. Checks the login cookie and
 * state (constant time), then finishes the login (callback-finish.ts): the code is exchanged
 * server-side, the account stored in the session cookie, and the browser sent to return_to. Every
 * failure goes back to the frontend as `?auth_error=<code>` rather than a raw JSON page: to the
 * login's return_to once the transaction is known, and before that (no state, an unknown state)
 * to the one login pending in this browser, or `/`.
 */

import type { Deps } from "../app/deps.ts";
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
import { callbackUnmatched, loginFailed } from "../session/login-events.ts";
import { finishLogin } from "./callback-finish.ts";
import { redirectTo, withAuthError } from "./return-to.ts";

/** A state as this BFF draws it (session/login.ts): 43 base64url characters. */
const STATE_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export async function callback(c: AppContext): Promise<Response> {
  const { deps } = c.var;
  const query = new URL(c.req.url).searchParams;
  const state = query.get("state") ?? "";
  const cookies = c.req.header("cookie") ?? null;
  const hasState = STATE_PATTERN.test(state);
  const found = hasState ? await readLoginTransaction(cookies, state, deps.ring) : null;
  if (found === null) callbackUnmatched(c.req.raw, fallback(query.get("error"), hasState));
  if (found === null) return unmatched(deps, query, cookies, hasState);
  const { tx, expired } = found;
  try {
    assertSameLogin(tx, state, expired);
    return await finishLogin(c, deps, tx, query);
  } catch (error) {
    if (!isBffError(error)) throw error;
    logError(error, "callback");
    await loginFailed(c.req.raw, tx, error);
    const res = redirectTo(withAuthError(tx.returnTo, error.code, deps));
    res.headers.append("set-cookie", clearLoginCookie(state));
    return res;
  }
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
