/**
 * Reads and writes the session cookie. Opened sessions are memoized per isolate (a bounded map
 * keyed by the sealed value, expiry re-checked on every hit): the proxy then pays for AES-GCM only
 * on the first request of a session in an isolate. The map lives in memory only. Each entry
 * remembers the key ring that opened it: a handler with other keys in the same isolate (two
 * `createFediBff` in one Worker) opens the cookie itself, and fails where its keys do.
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
  if (session !== null) remember(sealed, { ring, session });
  return session;
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
