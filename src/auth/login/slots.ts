/**
 * What the browser's opened login slots say, and which slot a new login takes: pure functions
 * over the slots a request opened once (transaction.ts), tested directly (test/auth/login/).
 */
import { cookieNames, LOGIN_COOKIE_PREFIX, MAX_COOKIE_HEADER } from "../../session/cookies.ts";
import {
  type FinishedLogin,
  loginCookieName,
  type PendingLogin,
  SLOT_NAMES,
  type Slot,
  slotOf,
} from "./transaction.ts";

export type Slots = readonly (Slot | null)[];

/**
 * The slot a new login takes: the slot of `replacing` when a login restarts itself, else a free
 * one (at random: two tabs starting at the same moment rarely pick the same), else the slot of the
 * oldest login. `random` is one random byte.
 */
export function pickSlot(slots: Slots, random: number, replacing?: string): number {
  const own = replacing === undefined ? null : slotOf(replacing);
  if (own !== null) return own;
  const free = slots.flatMap((s, slot) => (s === null ? [slot] : []));
  if (free.length > 0) return free[random % free.length] ?? 0;
  const ages = slots.map((s) => s?.iat ?? Number.POSITIVE_INFINITY);
  return ages.indexOf(Math.min(...ages));
}

/**
 * A fresh state in `slot`: the slot character takes the place of the first of `random`'s
 * characters (43 base64url characters, 256 bits: 250 random bits remain).
 */
export function stateIn(slot: number, random: string): string {
  return SLOT_NAMES.charAt(slot) + random.slice(1);
}

/** The pending login with this state, or null. */
export function pendingLogin(slots: Slots, state: string): PendingLogin | null {
  const slot = slotOf(state);
  const found = slot === null ? null : slots[slot];
  return found?.kind === "pending" ? found : null;
}

/**
 * True when this browser started a login with `clientId` on `host` that never came back (its
 * cookie is still there, expired or not): the user is trying again, perhaps after the instance
 * showed an error on its own pages.
 */
export function hasUnfinishedLogin(slots: Slots, host: string, clientId: string): boolean {
  return slots.some((s) => s?.kind === "pending" && s.tx.host === host && s.tx.clientId === clientId);
}

/**
 * True when another login is pending in this browser besides the one with `state`: it may finish
 * at the same moment as this one, from the same old session (whatever its instance), and one of
 * the two sessions the browser is sent will be overwritten.
 */
export function hasConcurrentLogin(slots: Slots, state: string): boolean {
  return slots.some((s) => s?.kind === "pending" && s.tx.state !== state);
}

/** Finished logins whose tokens still wait to be checked against the session. */
export function finishedLogins(slots: Slots): FinishedLogin[] {
  return slots.flatMap((s) => (s?.kind === "finished" ? [s] : []));
}

/** The one login pending in this browser (expired or not), else null. */
export function onlyPendingLogin(slots: Slots): PendingLogin | null {
  const pending = slots.flatMap((s) => (s?.kind === "pending" ? [s] : []));
  return pending.length === 1 ? (pending[0] ?? null) : null;
}

/**
 * Login cookies to clear when a login starts in `keep`: every name under our login prefix that is
 * not a slot (an older format's cookie) and — when the Cookie header is past what the session
 * parser reads — every other slot too, so fedi-bff's own state can always shrink back. A
 * lookalike name (other whitespace, planted by a sibling with Domain=parent) is not ours to clear.
 */
export function staleLoginCookies(cookieHeader: string | null, keep: number): string[] {
  const oversized = (cookieHeader?.length ?? 0) > MAX_COOKIE_HEADER;
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
