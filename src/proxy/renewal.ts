/**
 * Tokens that end (session/token-life.ts), on the proxy's side. A token that has ended and cannot
 * be renewed ends its account: 401 `reauth_required`. A token with a refresh token is renewed
 * shortly before it ends, on the server side, by `RenewToken` — injected by the app (src/app/),
 * because the proxy itself reaches no storage: renewing goes through the instance's Durable
 * Object, once per refresh token for every tab and request that still holds the old cookie (a
 * server that rotates refresh tokens, like Pixelfed, refuses the old one once it was used). The
 * answer then carries the re-sealed cookie. Only accounts with an end ever take this path.
 */

import { nowSeconds } from "../clock.ts";
import type { Env } from "../config/env.ts";
import { BffError } from "../errors.ts";
import type { Session, SessionAccount } from "../session/session.ts";
import { remainingLifetime, sessionSetCookie } from "../session/store.ts";
import { tokenState } from "../session/token-life.ts";
import type { ProxyDeps } from "./deps.ts";
import { accountEnded } from "./revoked.ts";

/** A renewed token as the account keeps it. */
export interface RenewedToken {
  readonly token: string;
  readonly tokenEnd?: number;
  readonly refreshToken?: string;
}

/**
 * Renews `account`'s token with its refresh token. Throws BffError: `reauth_required` when the
 * instance refused the refresh token; any other code for a failure that proves nothing.
 */
export type RenewToken = (env: Env, requestUrl: string, account: SessionAccount) => Promise<RenewedToken>;

/** The account to send the request as, and the cookie to set when its token was renewed. */
export interface UsableAccount {
  readonly account: SessionAccount;
  readonly cookie: string | null;
}

/** `session.accounts[index]` with a token that works now; only called for accounts with an end. */
export async function usableAccount(
  session: Session,
  index: number,
  deps: ProxyDeps,
  env: Env,
  request: Request,
  renew: RenewToken | undefined,
): Promise<UsableAccount> {
  const account = session.accounts[index] as SessionAccount;
  const now = nowSeconds();
  const state = tokenState(account, now);
  if (state === "live") return { account, cookie: null };
  if (state === "ended") throw await accountEnded(session, index, deps, "reauth_required");
  const stillWorks = now < (account.tokenEnd ?? 0);
  if (renew === undefined) {
    if (stillWorks) return { account, cookie: null };
    throw await accountEnded(session, index, deps, "reauth_required", "no way to renew the token");
  }
  let renewed: RenewedToken;
  try {
    renewed = await renew(env, request.url, account);
  } catch (error) {
    if (error instanceof BffError && error.code === "reauth_required") {
      throw await accountEnded(session, index, deps, "reauth_required", error.internal);
    }
    // Unreachable, or storage down: a token that still works is used; else the failure is told.
    if (stillWorks) return { account, cookie: null };
    throw error;
  }
  const { tokenEnd: _end, refreshToken: _refresh, ...base } = account;
  const next: SessionAccount = { ...base, ...renewed };
  const accounts = session.accounts.map((a, i) => (i === index ? next : a));
  const cookie = await sessionSetCookie(accounts, session.active, deps.ring, remainingLifetime(session, now));
  return { account: next, cookie };
}
