/**
 * When an account's token ends, and what the session does about it. Servers that say when their
 * tokens end (`expires_in`, RFC 6749 §5.1): Pixelfed (Laravel Passport, 365 days, with a refresh
 * token), Mitra (30 days, none), Pleroma/Akkoma (100 years by default, with a refresh token),
 * GoToSocial app tokens (2 hours). A lifetime beyond MAX_TOKEN_LIFETIME is no end at all: nobody
 * keeps a session that long, and storing it would only cost cookie bytes.
 */
import { nowSeconds } from "../clock.ts";
import type { SessionAccount } from "./session.ts";

const DAY = 86_400;
/** Lifetimes longer than this (Pleroma's default is 100 years) count as "never ends". */
export const MAX_TOKEN_LIFETIME = 5 * 365 * DAY;
/** A token with a refresh token is renewed once it has less than this left (seconds). */
export const REFRESH_MARGIN = 300;

/** The end of a token issued `now` with this `expires_in`, or undefined for none (or nonsense). */
export function tokenEndOf(expiresIn: unknown, now: number): number | undefined {
  const seconds =
    typeof expiresIn === "string" && /^\d{1,12}$/.test(expiresIn) ? Number(expiresIn) : expiresIn;
  if (typeof seconds !== "number" || !Number.isFinite(seconds) || seconds <= 0) return undefined;
  if (seconds > MAX_TOKEN_LIFETIME) return undefined;
  return now + Math.floor(seconds);
}

/**
 * `live`: use the token as it is; `due`: renew it first (it has a refresh token and ends within
 * REFRESH_MARGIN, or has ended); `ended`: it has ended and cannot be renewed.
 */
export type TokenState = "live" | "due" | "ended";

export function tokenState(account: SessionAccount, now: number): TokenState {
  const end = account.tokenEnd;
  if (end === undefined) return "live";
  if (account.refreshToken !== undefined) return now >= end - REFRESH_MARGIN ? "due" : "live";
  return now >= end ? "ended" : "live";
}

/**
 * The longest a session of `accounts` may live, at most `ttl`: never past the end of the last
 * token that cannot be renewed when every account has such a token (a session whose tokens have
 * all ended is a dead cookie the browser should drop by itself).
 */
export function sessionLifetime(accounts: readonly SessionAccount[], ttl: number, now: number): number {
  let last = 0;
  for (const account of accounts) {
    if (account.tokenEnd === undefined || account.refreshToken !== undefined) return ttl;
    last = Math.max(last, account.tokenEnd);
  }
  return accounts.length === 0 ? ttl : Math.min(ttl, last - now);
}

/** An account's `tokenEnd` and `refreshToken` for a token issued `now`; a refresh token only beside an end. */
export function lifetimeFields(
  issued: { readonly expiresIn?: number; readonly refreshToken?: string },
  now: number = nowSeconds(),
): Pick<SessionAccount, "tokenEnd" | "refreshToken"> {
  const tokenEnd = tokenEndOf(issued.expiresIn, now);
  if (tokenEnd === undefined) return {};
  return issued.refreshToken === undefined ? { tokenEnd } : { tokenEnd, refreshToken: issued.refreshToken };
}
