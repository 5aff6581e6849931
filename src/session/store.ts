/**
 * Reads and writes the session cookie. Opened sessions are memoized per isolate (a bounded map
 * keyed by the sealed value, expiry re-checked on every hit): the proxy then pays for AES-GCM only
 * on the first requests of a session in an isolate, not on every one. The map lives in memory
 * only. Each entry remembers the key ring that opened it: a handler with other keys in the same
 * isolate (two `createFediBff` in one Worker) opens the cookie itself, and fails where its keys do.
 *
 * A session enters the memo on its second sighting in the isolate, not its first (admission by a
 * "doorkeeper", as in TinyLFU: Einziger, Friedman and Manes, ACM Transactions on Storage 13(4),
 * 2017). A busy isolate sees most sessions once in a while — thousands of users, a request each —
 * and memoizing every one would evict a live entry for one that does not come back before its
 * own eviction: each such entry outlives the young generation and becomes old-generation garbage,
 * which the measured busy-deployment workload paid for in collector time on every request. The
 * doorkeeper keeps only a 32-bit hash per sealed value in a fixed table, so a first sighting
 * allocates nothing; a collision only admits a session early (the memo stays keyed by the whole
 * sealed value, so it can never hand out another session).
 */

import { nowSeconds } from "../clock.ts";
import type { KeyRing } from "../crypto/key-ring.ts";
import { open, seal } from "../crypto/seal.ts";
import { clearCookie, cookieValue, SESSION_COOKIE, serializeCookie } from "./cookies.ts";
import { decodeSession, encodeSession, type Session, type SessionAccount } from "./session.ts";
import { sessionLifetime } from "./token-life.ts";

const MEMO_LIMIT = 1000;
const memo = new Map<string, { readonly ring: KeyRing; readonly session: Session }>();

/** The session carried by this Cookie header, or null ("not logged in") for any problem. */
export async function readSession(cookieHeader: string | null, ring: KeyRing): Promise<Session | null> {
  const sealed = cookieValue(cookieHeader, SESSION_COOKIE);
  if (sealed === undefined) return null;
  const now = nowSeconds();
  const known = memo.get(sealed);
  if (known !== undefined && known.ring === ring) {
    if (known.session.exp > now) return known.session;
    memo.delete(sealed);
    return null;
  }
  const payload = await open(sealed, "session", ring, now);
  const session = payload === null ? null : decodeSession(payload);
  if (session !== null && seenBefore(sealed)) remember(sealed, { ring, session });
  return session;
}

/** Doorkeeper slots: a power of two; 16 KiB per isolate. */
const DOOR_SLOTS = 4096;
const door = new Int32Array(DOOR_SLOTS);
/** Characters hashed from the end of a sealed value: its AES-GCM tag, random for every seal. */
const HASHED_CHARS = 8;

/** True when this sealed value (by a hash of its tag) was opened in this isolate before; marks it seen. */
function seenBefore(sealed: string): boolean {
  let hash = 0;
  for (let i = Math.max(0, sealed.length - HASHED_CHARS); i < sealed.length; i++) {
    hash = (Math.imul(hash, 31) + sealed.charCodeAt(i)) | 0;
  }
  const slot = hash & (DOOR_SLOTS - 1);
  if (door[slot] === hash) return true;
  door[slot] = hash;
  return false;
}

function remember(sealed: string, entry: { ring: KeyRing; session: Session }): void {
  if (memo.size >= MEMO_LIMIT) {
    const oldest = memo.keys().next();
    if (!oldest.done) memo.delete(oldest.value);
  }
  memo.set(sealed, entry);
}

/**
 * Set-Cookie value for a session holding `accounts`, valid for `ttl` seconds — or less: never
 * past the end of its accounts' tokens (token-life.ts), and at least a minute.
 */
export async function sessionSetCookie(
  accounts: readonly SessionAccount[],
  active: number,
  ring: KeyRing,
  ttl: number,
): Promise<string> {
  const lifetime = Math.max(60, sessionLifetime(accounts, ttl, nowSeconds()));
  const sealed = await seal(encodeSession(accounts, active), "session", ring, lifetime);
  return serializeCookie(SESSION_COOKIE, sealed, lifetime);
}

/**
 * Seconds left of `session`'s lifetime, for re-sealing it after a change (logout of one account,
 * a switch, a revoked token): a change never extends a session. At least a minute, so a session
 * about to expire is still written as a valid cookie rather than one that is already dead.
 */
export function remainingLifetime(session: Session, now: number = nowSeconds()): number {
  return Math.max(60, session.exp - now);
}

export function clearSessionCookie(): string {
  return clearCookie(SESSION_COOKIE);
}
