/**
 * The login transaction: what the callback needs to finish one login (state, PKCE verifier, the
 * exact client used), sealed into a short-lived cookie in one of a fixed set of slots. Nothing of
 * it is stored server-side. This module seals and opens slot cookies; which slot a login takes and
 * what the opened slots say is pure logic (slots.ts).
 *
 * Login cookies are named `…-login-0` to `…-login-2`; a state's first character names its slot.
 * Whatever the interleaving of starts, pending logins add at most MAX_LOGIN_COOKIES cookies of at
 * most MAX_LOGIN_COOKIE_LENGTH bytes to the Cookie header.
 */

import { nowSeconds } from "../../clock.ts";
import type { KeyRing } from "../../crypto/key-ring.ts";
import { type Claims, open, seal } from "../../crypto/seal.ts";
import { BffError } from "../../errors.ts";
import { asRecord } from "../../http/upstream.ts";
import {
  clearCookie,
  cookieValue,
  LOGIN_COOKIE_PREFIX,
  MAX_LOGIN_COOKIES,
  serializeCookie,
} from "../../session/cookies.ts";
import type { SessionAccount } from "../../session/session.ts";

/** Seconds a login may take from start to callback: the sealed transaction's own expiry. */
export const LOGIN_TTL = 600;
/** The cookie outlives the transaction so that an expiry can still be reported to return_to. */
export const LOGIN_COOKIE_MAX_AGE = 3600;
/** return_to kept in a login cookie: with every other field at its maximum, the cookie stays small. */
export const MAX_RETURN_TO_LENGTH = 1024;
/** A sealed login cookie never exceeds this (name=value); with 3 slots, 11.4 KB at most. */
export const MAX_LOGIN_COOKIE_LENGTH = 3800;
export const SLOT_NAMES = "0123456789".slice(0, MAX_LOGIN_COOKIES);
const ANY_LENGTH = Number.POSITIVE_INFINITY;

export interface LoginTransaction {
  readonly state: string;
  readonly verifier: string;
  readonly host: string;
  readonly origin: string;
  readonly clientId: string;
  /**
   * "" for the instance's own redirect URI (`PUBLIC_URL/auth/callback/<host>`, derived: the
   * cookie stays small), or the shared one a login started before per-instance URIs was sealed with.
   */
  readonly redirectUri: string;
  readonly scopes: string;
  /** Validated return_to (relative path, or absolute on a FRONTEND_ORIGINS origin). */
  readonly returnTo: string;
  readonly forceLogin: boolean;
  /** True once the login was restarted (dead client, token in URL): never loop. */
  readonly retried: boolean;
  /** The handle the user asked for (login by handle), or "". */
  readonly expectedAcct: string;
}

const FIELDS: Record<keyof LoginTransaction, "string" | "boolean"> = {
  state: "string",
  verifier: "string",
  host: "string",
  origin: "string",
  clientId: "string",
  redirectUri: "string",
  scopes: "string",
  returnTo: "string",
  forceLogin: "boolean",
  retried: "boolean",
  expectedAcct: "string",
};

/**
 * A login that finished: the token it obtained, kept (sealed) in its slot until a later request
 * sees which session won. Two tabs finishing logins at the same moment each set a session from
 * the same old one; the browser keeps the last, and the other token would be left live upstream
 * with no session to revoke it.
 */
export interface FinishedLogin {
  readonly slot: number;
  readonly iat: number;
  readonly account: Pick<SessionAccount, "instance" | "origin" | "clientId" | "token" | "holder">;
}

export interface PendingLogin {
  readonly slot: number;
  readonly tx: LoginTransaction;
  /** Authentic but past LOGIN_TTL: reported to its return_to as login_expired. */
  readonly expired: boolean;
  readonly iat: number;
}

/** What one login-cookie slot holds, once opened. */
export type Slot =
  | ({ readonly kind: "pending" } & PendingLogin)
  | ({ readonly kind: "finished" } & FinishedLogin);

/** The slot a state's cookie lives in, or null for a state this version did not make. */
export function slotOf(state: string): number | null {
  const slot = SLOT_NAMES.indexOf(state.charAt(0));
  return slot < 0 ? null : slot;
}

export function loginCookieName(slot: number): string {
  return LOGIN_COOKIE_PREFIX + SLOT_NAMES.charAt(slot);
}

/**
 * Every slot of this Cookie header, each opened once (null: empty or not ours). The whole header is
 * read, however long: a login can always finish.
 */
export function openSlots(cookieHeader: string | null, ring: KeyRing): Promise<(Slot | null)[]> {
  return Promise.all(
    [...SLOT_NAMES].map((_, slot) => {
      const sealed = cookieValue(cookieHeader, loginCookieName(slot), ANY_LENGTH);
      return sealed === undefined ? null : openSlot(sealed, slot, ring);
    }),
  );
}

/**
 * A login cookie written before slots existed (named by the state's first 12 characters), or null.
 * Such a cookie lives an hour at most; kept so a login under way across an upgrade still finishes.
 */
export async function openLegacyTransaction(
  cookieHeader: string | null,
  state: string,
  ring: KeyRing,
): Promise<PendingLogin | null> {
  const sealed = cookieValue(cookieHeader, LOGIN_COOKIE_PREFIX + state.slice(0, 12), ANY_LENGTH);
  const opened = sealed === undefined ? null : await openSlot(sealed, -1, ring);
  return opened?.kind === "pending" ? opened : null;
}

/**
 * One decryption: opened as of one cookie lifetime ago, so any transaction the cookie can still
 * carry opens, and its own expiry is then compared with now.
 */
async function openSlot(sealed: string, slot: number, ring: KeyRing): Promise<Slot | null> {
  const now = nowSeconds();
  const payload = await open(sealed, "login", ring, now - LOGIN_COOKIE_MAX_AGE);
  if (payload === null) return null;
  const finished = payload.exp > now ? asFinished(payload, slot) : null;
  return finished ?? asPending(payload, slot, payload.exp <= now);
}

function asPending(payload: Claims, slot: number, expired: boolean): Slot | null {
  for (const [field, type] of Object.entries(FIELDS)) {
    if (typeof payload[field] !== type) return null;
  }
  return { kind: "pending", slot, tx: payload as unknown as LoginTransaction, expired, iat: payload.iat };
}

function asFinished(payload: Claims, slot: number): Slot | null {
  const record = asRecord(payload.f);
  if (record === null) return null;
  for (const field of ["instance", "origin", "clientId", "token"]) {
    if (typeof record[field] !== "string") return null;
  }
  if (record.holder !== undefined && typeof record.holder !== "string") return null;
  return { kind: "finished", slot, iat: payload.iat, account: record as unknown as FinishedLogin["account"] };
}

/** The Set-Cookie line that seals `tx` into its state's slot (refusing one over the byte budget). */
export async function transactionCookie(tx: LoginTransaction, ring: KeyRing): Promise<string> {
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
  return cookie;
}

/** The cookie that keeps a finished login's token in its slot (replacing the transaction). */
export async function finishedLoginCookie(
  state: string,
  account: FinishedLogin["account"],
  ring: KeyRing,
): Promise<string> {
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

/** Clears one slot's cookie. */
export function clearSlotCookie(slot: number): string {
  return clearCookie(loginCookieName(slot));
}
