/**
 * The login transaction: what the callback needs to finish one login (state, PKCE verifier, the
 * exact client used), sealed into a short-lived cookie named after its state so that two tabs
 * can log in at once. Nothing of it is stored server-side.
 */
import {
  clearCookie,
  LOGIN_COOKIE_PREFIX,
  loginCookieName,
  MAX_LOGIN_COOKIES,
  parseCookies,
  serializeCookie,
} from "./cookies.ts";
import type { KeyRing } from "./keys.ts";
import { nowSeconds, open, seal } from "./seal.ts";

export const LOGIN_TTL = 600;
/** The cookie outlives the transaction so that an expiry can still be reported to return_to. */
const LOGIN_COOKIE_MAX_AGE = 3600;

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

/** Set-Cookie headers: the new login cookie, plus clearing older ones beyond MAX_LOGIN_COOKIES. */
export async function loginSetCookies(
  tx: LoginTransaction,
  ring: KeyRing,
  cookieHeader: string | null,
): Promise<string[]> {
  const sealed = await seal({ ...tx }, "login", ring, LOGIN_TTL);
  const existing = [...parseCookies(cookieHeader).keys()].filter((name) =>
    name.startsWith(LOGIN_COOKIE_PREFIX),
  );
  const stale = existing.slice(0, Math.max(0, existing.length - (MAX_LOGIN_COOKIES - 1)));
  return [
    ...stale.map(clearCookie),
    serializeCookie(loginCookieName(tx.state), sealed, LOGIN_COOKIE_MAX_AGE),
  ];
}

/**
 * The transaction for this callback's state, or null when there is none. An expired one is
 * still returned (flagged) so the callback can send the user back to their return_to with
 * `auth_error=login_expired` after a long 2FA instead of a dead end.
 */
export async function readLoginTransaction(
  cookieHeader: string | null,
  state: string,
  ring: KeyRing,
): Promise<{ tx: LoginTransaction; expired: boolean } | null> {
  const sealed = parseCookies(cookieHeader).get(loginCookieName(state));
  return sealed === undefined ? null : openTransaction(sealed, ring);
}

/**
 * True when this browser started a login with `clientId` on `host` that never came back (its
 * cookie is still there, expired or not): the user is trying again, perhaps after the instance
 * showed an error on its own pages. Opens at most MAX_LOGIN_COOKIES cookies.
 */
export async function hasUnfinishedLogin(
  cookieHeader: string | null,
  host: string,
  clientId: string,
  ring: KeyRing,
): Promise<boolean> {
  for (const [name, sealed] of parseCookies(cookieHeader)) {
    if (!name.startsWith(LOGIN_COOKIE_PREFIX)) continue;
    const opened = await openTransaction(sealed, ring);
    if (opened?.tx.host === host && opened.tx.clientId === clientId) return true;
  }
  return false;
}

async function openTransaction(
  sealed: string,
  ring: KeyRing,
): Promise<{ tx: LoginTransaction; expired: boolean } | null> {
  let expired = false;
  let payload = await open(sealed, "login", ring);
  if (payload === null) {
    // Authentic but past its 10 minutes? (Opened as of its own issue time.)
    payload = await open(sealed, "login", ring, nowSeconds() - LOGIN_COOKIE_MAX_AGE);
    expired = true;
  }
  if (payload === null) return null;
  for (const [field, type] of Object.entries(FIELDS)) {
    if (typeof payload[field] !== type) return null;
  }
  return { tx: payload as unknown as LoginTransaction, expired };
}

export function clearLoginCookie(state: string): string {
  return clearCookie(loginCookieName(state));
}

/** Names of this browser's login cookies (one per login in flight). */
function loginCookieNames(cookieHeader: string | null): string[] {
  return [...parseCookies(cookieHeader).keys()].filter((name) => name.startsWith(LOGIN_COOKIE_PREFIX));
}

/**
 * The return_to of the one login pending in this browser — exactly one login cookie, which opens
 * (expired or not) — else null. For a callback that names no login: Hollo drops `state` when the
 * user denies consent.
 */
export async function pendingReturnTo(cookieHeader: string | null, ring: KeyRing): Promise<string | null> {
  const [name, ...others] = loginCookieNames(cookieHeader);
  const sealed = name === undefined ? undefined : parseCookies(cookieHeader).get(name);
  if (sealed === undefined || others.length > 0) return null;
  return (await openTransaction(sealed, ring))?.tx.returnTo ?? null;
}

/** A Set-Cookie clearing the one pending login's cookie, or null unless exactly one is there. */
export function clearPendingLoginCookie(cookieHeader: string | null): string | null {
  const names = loginCookieNames(cookieHeader);
  return names.length === 1 && names[0] !== undefined ? clearCookie(names[0]) : null;
}
