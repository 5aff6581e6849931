/**
 * The login transaction: what the callback needs to finish one login (state, PKCE verifier, the
 * exact client used), sealed into a short-lived cookie. Nothing of it is stored server-side.
 *
 * Login cookies live in a fixed set of MAX_LOGIN_COOKIES slots, named `…-login-0` to `…-login-2`;
 * a state's first character names its slot. A start takes a free slot (else the oldest), so two
 * tabs can log in at once, and parallel starts (double-clicks, retries, many tabs) overwrite each
 * other instead of adding cookies: whatever the interleaving, pending logins add at most
 * MAX_LOGIN_COOKIES cookies of at most MAX_LOGIN_COOKIE_LENGTH bytes to the Cookie header.
 */

import type { KeyRing } from "../crypto/key-ring.ts";
import { seal } from "../crypto/seal.ts";
import { BffError } from "../errors.ts";
import { randomToken } from "../oauth/pkce.ts";
import {
  clearCookie,
  cookieNames,
  cookieValue,
  LOGIN_COOKIE_PREFIX,
  MAX_COOKIE_HEADER,
  serializeCookie,
} from "./cookies.ts";
import {
  ANY_LENGTH,
  type FinishedLogin,
  LOGIN_COOKIE_MAX_AGE,
  type LoginTransaction,
  loginCookieName,
  openTransaction,
  readSlot,
  readSlots,
  SLOT_NAMES,
  slotOf,
} from "./login-slots.ts";

export type { FinishedLogin, LoginTransaction };
export { loginCookieName, slotOf };

/** Seconds a login may take from start to callback: the sealed transaction's own expiry. */
export const LOGIN_TTL = 600;
/** return_to kept in a login cookie: with every other field at its maximum, the cookie stays small. */
export const MAX_RETURN_TO_LENGTH = 1024;
/** A sealed login cookie never exceeds this (name=value); with 3 slots, 11.4 KB at most. */
export const MAX_LOGIN_COOKIE_LENGTH = 3800;

/**
 * A fresh state for a login about to start, in a free slot of this browser (else the slot of its
 * oldest login), or in the slot of `replacing` when a login restarts itself. The slot character
 * takes the place of a random one: 250 random bits remain (randomToken's 256 less its first 6).
 */
export async function newLoginState(
  cookieHeader: string | null,
  ring: KeyRing,
  replacing?: string,
): Promise<string> {
  const slot = (replacing === undefined ? null : slotOf(replacing)) ?? (await pickSlot(cookieHeader, ring));
  return SLOT_NAMES.charAt(slot) + randomToken().slice(1);
}

async function pickSlot(cookieHeader: string | null, ring: KeyRing): Promise<number> {
  const ages = await Promise.all(
    [...SLOT_NAMES].map(async (_, slot) => (await readSlot(cookieHeader, slot, ring))?.iat ?? null),
  );
  const free = ages.flatMap((iat, slot) => (iat === null ? [slot] : []));
  // Random among the free ones: two tabs that start at the same moment rarely pick the same.
  const [random = 0] = crypto.getRandomValues(new Uint8Array(1));
  if (free.length > 0) return free[random % free.length] ?? 0;
  const oldest = Math.min(...(ages as number[]));
  return ages.indexOf(oldest);
}

/**
 * Set-Cookie headers for a new login: its slot's cookie, plus clearing every other name under our
 * login prefix that is not a slot (an older format's cookie) and — when the Cookie header is past
 * what the session parser reads — every other slot too, so fedi-bff's own state can always shrink
 * back. A lookalike name is left alone (staleLoginCookies).
 */
export async function loginSetCookies(
  tx: LoginTransaction,
  ring: KeyRing,
  cookieHeader: string | null,
): Promise<string[]> {
  const slot = slotOf(tx.state);
  if (slot === null) throw new Error("login state without a slot");
  if (tx.returnTo.length > MAX_RETURN_TO_LENGTH) {
    throw new BffError("invalid_return_to", `return_to must be at most ${MAX_RETURN_TO_LENGTH} characters.`);
  }
  const cookie = serializeCookie(
    loginCookieName(slot),
    await seal({ ...tx }, "login", ring, LOGIN_TTL),
    LOGIN_COOKIE_MAX_AGE,
  );
  if (cookie.indexOf(";") > MAX_LOGIN_COOKIE_LENGTH) {
    throw new BffError("invalid_request", "This login is too large to keep in a cookie.", {
      internal: `login cookie of ${cookie.indexOf(";")} bytes`,
    });
  }
  return [...staleLoginCookies(cookieHeader, slot).map(clearCookie), cookie];
}

/** Login cookies to clear when a login starts in `keep` (see loginSetCookies). */
export function staleLoginCookies(cookieHeader: string | null, keep: number): string[] {
  const oversized = (cookieHeader?.length ?? 0) > MAX_COOKIE_HEADER;
  // Only names a Set-Cookie header can carry: a lookalike planted by a sibling (other whitespace,
  // Domain=parent) is not ours to clear, and is never read as ours (cookies.ts).
  const ours = cookieNames(cookieHeader).filter(
    (name) => name.startsWith(LOGIN_COOKIE_PREFIX) && /^[\x21-\x7e]+$/.test(name),
  );
  const stale = ours.filter((name) => {
    const slot = SLOT_NAMES.indexOf(name.slice(LOGIN_COOKIE_PREFIX.length));
    const isSlot = slot >= 0 && name === loginCookieName(slot);
    return isSlot ? oversized && slot !== keep : true;
  });
  return [...new Set(stale)];
}

/**
 * The transaction for this callback's state, or null when there is none. An expired one is
 * still returned (flagged) so the callback can send the user back to their return_to with
 * `auth_error=login_expired` after a long 2FA instead of a dead end. The whole Cookie header is
 * read, however long: a login can always finish.
 */
export async function readLoginTransaction(
  cookieHeader: string | null,
  state: string,
  ring: KeyRing,
): Promise<{ tx: LoginTransaction; expired: boolean } | null> {
  const slot = slotOf(state);
  const found = slot === null ? null : await readSlot(cookieHeader, slot, ring);
  if (found?.kind === "pending") return found;
  // Logins started before slots existed: a cookie named by the state's first 12 characters.
  const legacy = cookieValue(cookieHeader, LOGIN_COOKIE_PREFIX + state.slice(0, 12), ANY_LENGTH);
  const opened = legacy === undefined ? null : await openTransaction(legacy, ring);
  return opened?.kind === "pending" ? opened : null;
}

/**
 * True when this browser started a login with `clientId` on `host` that never came back (its
 * cookie is still there, expired or not): the user is trying again, perhaps after the instance
 * showed an error on its own pages. Opens at most MAX_LOGIN_COOKIES cookies (the slots).
 */
export async function hasUnfinishedLogin(
  cookieHeader: string | null,
  host: string,
  clientId: string,
  ring: KeyRing,
): Promise<boolean> {
  const slots = await readSlots(cookieHeader, ring);
  return slots.some((s) => s?.kind === "pending" && s.tx.host === host && s.tx.clientId === clientId);
}

/**
 * True when another login with `host` is pending in this browser besides the one with `state`: it
 * may finish at the same moment as this one, for the same account.
 */
export async function hasConcurrentLogin(
  cookieHeader: string | null,
  host: string,
  state: string,
  ring: KeyRing,
): Promise<boolean> {
  const slots = await readSlots(cookieHeader, ring);
  return slots.some((s) => s?.kind === "pending" && s.tx.host === host && s.tx.state !== state);
}

/** Finished logins whose tokens still wait to be checked against the session (see FinishedLogin). */
export async function finishedLogins(cookieHeader: string | null, ring: KeyRing): Promise<FinishedLogin[]> {
  return (await readSlots(cookieHeader, ring)).flatMap((s) => (s?.kind === "finished" ? [s] : []));
}

/**
 * The cookie that keeps a finished login's token in its slot (replacing the transaction), set
 * only while another login with the same instance is pending (hasConcurrentLogin).
 */
export async function finishedLoginCookie(state: string, account: FinishedLogin["account"], ring: KeyRing) {
  const slot = slotOf(state);
  if (slot === null) return clearLoginCookie(state);
  const { instance, origin, clientId, token, holder } = account;
  const sealed = await seal(
    { f: { instance, origin, clientId, token, holder } },
    "login",
    ring,
    LOGIN_COOKIE_MAX_AGE,
  );
  return serializeCookie(loginCookieName(slot), sealed, LOGIN_COOKIE_MAX_AGE);
}

/** Clears the cookie of the login with this state (its slot, or its pre-slot name). */
export function clearLoginCookie(state: string): string {
  const slot = slotOf(state);
  return clearCookie(slot === null ? LOGIN_COOKIE_PREFIX + state.slice(0, 12) : loginCookieName(slot));
}

/** The one login pending in this browser (its slot opens, expired or not), else null. */
async function onlyPendingLogin(
  cookieHeader: string | null,
  ring: KeyRing,
): Promise<{ slot: number; tx: LoginTransaction } | null> {
  const slots = await readSlots(cookieHeader, ring);
  const pending = slots.flatMap((s, slot) => (s?.kind === "pending" ? [{ slot, tx: s.tx }] : []));
  return pending.length === 1 ? (pending[0] ?? null) : null;
}

/**
 * The return_to of the one login pending in this browser, else null. For a callback that matches
 * no login: no state (Hollo drops it when the user denies consent), or one whose cookie is gone.
 */
export async function pendingReturnTo(cookieHeader: string | null, ring: KeyRing): Promise<string | null> {
  return (await onlyPendingLogin(cookieHeader, ring))?.tx.returnTo ?? null;
}

/** A Set-Cookie clearing the one pending login's cookie, or null unless exactly one is pending. */
export async function clearPendingLoginCookie(
  cookieHeader: string | null,
  ring: KeyRing,
): Promise<string | null> {
  const pending = await onlyPendingLogin(cookieHeader, ring);
  return pending === null ? null : clearCookie(loginCookieName(pending.slot));
}
