/**
 * Reading the login-cookie slots (session/login.ts): each holds a pending login transaction, or a
 * finished login's token waiting to be settled, or nothing usable. The whole Cookie header is read
 * (not the hot path; the runtime bounds it), and at most MAX_LOGIN_COOKIES cookies are opened.
 */

import type { KeyRing } from "../crypto/key-ring.ts";
import { type Claims, nowSeconds, open } from "../crypto/seal.ts";
import { cookieValue, LOGIN_COOKIE_PREFIX, MAX_LOGIN_COOKIES } from "./cookies.ts";
import type { SessionAccount } from "./session.ts";

/** The cookie outlives the transaction so that an expiry can still be reported to return_to. */
export const LOGIN_COOKIE_MAX_AGE = 3600;
export const ANY_LENGTH = Number.POSITIVE_INFINITY;
export const SLOT_NAMES = "0123456789".slice(0, MAX_LOGIN_COOKIES);

export interface LoginTransaction {
  readonly state: string;
  readonly verifier: string;
  readonly host: string;
  readonly origin: string;
  readonly clientId: string;
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

export interface Opened {
  readonly tx: LoginTransaction;
  readonly expired: boolean;
  readonly iat: number;
}

/**
 * A login that finished: the token it obtained, kept (sealed) in its slot until a later request
 * sees which session won. Two tabs finishing a login for the same account at the same moment
 * each set a session from the same old one; the browser keeps the last, and the other token would
 * be left live upstream with no session to revoke it.
 */
export interface FinishedLogin {
  readonly slot: number;
  readonly iat: number;
  readonly account: Pick<SessionAccount, "instance" | "origin" | "clientId" | "token" | "holder">;
}

export type Slot = ({ readonly kind: "pending" } & Opened) | ({ readonly kind: "finished" } & FinishedLogin);

/** The slot a state's cookie lives in, or null for a state this version did not make. */
export function slotOf(state: string): number | null {
  const slot = SLOT_NAMES.indexOf(state.charAt(0));
  return slot < 0 ? null : slot;
}

export function loginCookieName(slot: number): string {
  return LOGIN_COOKIE_PREFIX + SLOT_NAMES.charAt(slot);
}

export function readSlots(cookieHeader: string | null, ring: KeyRing): Promise<(Slot | null)[]> {
  return Promise.all([...SLOT_NAMES].map((_, slot) => readSlot(cookieHeader, slot, ring)));
}

export async function readSlot(
  cookieHeader: string | null,
  slot: number,
  ring: KeyRing,
): Promise<Slot | null> {
  const sealed = cookieValue(cookieHeader, loginCookieName(slot), ANY_LENGTH);
  if (sealed === undefined) return null;
  const payload = await open(sealed, "login", ring);
  if (payload !== null) return asFinished(payload, slot) ?? asPending(payload, false);
  return openExpired(sealed, ring);
}

export async function openTransaction(sealed: string, ring: KeyRing): Promise<Slot | null> {
  const payload = await open(sealed, "login", ring);
  return payload === null ? openExpired(sealed, ring) : asPending(payload, false);
}

/**
 * Authentic but past its LOGIN_TTL? Opened as of one cookie lifetime ago, so any transaction the
 * cookie can still carry opens, flagged expired.
 */
async function openExpired(sealed: string, ring: KeyRing): Promise<Slot | null> {
  const payload = await open(sealed, "login", ring, nowSeconds() - LOGIN_COOKIE_MAX_AGE);
  return payload === null ? null : asPending(payload, true);
}

function asPending(payload: Claims, expired: boolean): Slot | null {
  for (const [field, type] of Object.entries(FIELDS)) {
    if (typeof payload[field] !== type) return null;
  }
  return { kind: "pending", tx: payload as unknown as LoginTransaction, expired, iat: payload.iat };
}

function asFinished(payload: Claims, slot: number): Slot | null {
  const f = payload.f;
  if (typeof f !== "object" || f === null) return null;
  const record = f as Record<string, unknown>;
  for (const field of ["instance", "origin", "clientId", "token"]) {
    if (typeof record[field] !== "string") return null;
  }
  if (record.holder !== undefined && typeof record.holder !== "string") return null;
  return { kind: "finished", slot, iat: payload.iat, account: record as unknown as FinishedLogin["account"] };
}
