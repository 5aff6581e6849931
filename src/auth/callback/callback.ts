/**
 * `GET /auth/callback/<host>`: the instance sends the browser back here. Checks that this is a
 * top-level navigation, finds the login by its state (constant time), and refuses an answer that
 * arrived on another instance's callback before anything else happens: the redirect URI names the
 * instance (RFC 9700 §4.4.2), so an authorization response one server sends to a login started
 * with another (a mix-up) is never exchanged, revoked or sent anywhere. Then it finishes the login
 * (finish.ts): the code is exchanged server-side, the account stored in the session cookie, and
 * the browser sent to return_to. Every failure goes back to the frontend as `?auth_error=<code>`
 * rather than a raw JSON page: to the login's return_to once the transaction is known, and before
 * that (no state, an unknown state) to the one login pending in this browser, or `/`.
 */

import { loginRedirectUri } from "../../app/deps.ts";
import { timingSafeEqual } from "../../crypto/compare.ts";
import { BffError, isBffError, logError } from "../../errors.ts";
import { callbackUnmatched, loginFailed } from "../../session/login-events.ts";
import { onlyPendingLogin, pendingLogin } from "../login/slots.ts";
import {
  clearLoginCookie,
  clearSlotCookie,
  type LoginTransaction,
  openLegacyTransaction,
  type PendingLogin,
} from "../login/transaction.ts";
import type { AuthRequest } from "../request.ts";
import { redirectTo, withAuthError } from "../return-to.ts";
import { finishLogin } from "./finish.ts";

/** A state as this BFF draws it (login/slots.ts): 43 base64url characters. */
const STATE_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export async function callback(req: AuthRequest): Promise<Response> {
  assertTopLevelNavigation(req.headers);
  const query = req.url.searchParams;
  const state = query.get("state") ?? "";
  const hasState = STATE_PATTERN.test(state);
  const found = hasState ? await loginFor(req, state) : null;
  if (found === null) return unmatched(req, hasState);
  const { tx, expired } = found;
  try {
    assertArrivedOn(req, tx);
    assertSameLogin(tx, state, expired);
    return await finishLogin(req, tx);
  } catch (error) {
    if (!isBffError(error)) throw error;
    logError(error, "callback");
    await loginFailed(req.raw, tx, error);
    const res = redirectTo(withAuthError(tx.returnTo, error.code, req.deps));
    res.headers.append("set-cookie", clearLoginCookie(state));
    return res;
  }
}

/** The pending login with this state: in its slot, or (started before slots) under its own name. */
async function loginFor(req: AuthRequest, state: string): Promise<PendingLogin | null> {
  return pendingLogin(await req.slots(), state) ?? openLegacyTransaction(req.cookies, state, req.deps.ring);
}

/**
 * An authorization response comes back by a top-level browser navigation, which Fetch Metadata
 * names `Sec-Fetch-Dest: document`: an `<img>`, a script, a frame or a page's fetch of a callback
 * URL is refused before any cookie is read or changed (it must neither finish nor end someone's
 * login). Clients that send no destination (older browsers, curl, a server's fetch) are judged by
 * the login start instead.
 */
function assertTopLevelNavigation(headers: Headers): void {
  const dest = headers.get("sec-fetch-dest");
  if (dest === null || dest === "document") return;
  throw new BffError("invalid_callback", "The sign-in answer must arrive as a page navigation.", {
    internal: `callback as ${dest.slice(0, 20)}`,
  });
}

/**
 * The mix-up defence (RFC 9700 §4.4): the callback path this answer arrived on is the redirect URI
 * the login was started with — the one registered with that instance alone. Compared raw, before
 * any outbound request: an answer for another instance ends this login with nothing sent anywhere.
 */
function assertArrivedOn(req: AuthRequest, tx: LoginTransaction): void {
  let expected: string;
  try {
    expected = new URL(loginRedirectUri(req.deps, tx)).pathname;
  } catch {
    expected = "";
  }
  if (req.url.pathname === expected) return;
  throw new BffError(
    "invalid_callback",
    "The sign-in answer came from another server than the one you chose; start again.",
    { internal: `answer on ${req.url.pathname.slice(0, 120)} for a login with ${tx.host}` },
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
async function unmatched(req: AuthRequest, hasState: boolean): Promise<Response> {
  const query = req.url.searchParams;
  const error = fallback(query.get("error"), hasState);
  logError(error, "callback");
  callbackUnmatched(req.raw, error);
  const pending = onlyPendingLogin(await req.slots());
  const res = redirectTo(withAuthError(pending?.tx.returnTo ?? "/", error.code, req.deps));
  if (pending !== null && !hasState && query.has("error")) {
    res.headers.append("set-cookie", clearSlotCookie(pending.slot));
  }
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
