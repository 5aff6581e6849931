/**
 * An account whose token the instance no longer accepts (revoked, forgotten, or ended without a
 * way to renew it). Only that account leaves the session — the browser may hold others that still
 * work — and the browser is told with 401 `session_revoked` (the instance refused the token) or
 * `reauth_required` (the token ended), naming the account and carrying the re-sealed cookie (or a
 * cleared one when none is left).
 */

import { BffError } from "../errors.ts";
import { cookieWithout } from "../session/drop.ts";
import { accountKey, type Session } from "../session/session.ts";
import type { ProxyDeps } from "./deps.ts";

/** The error to throw when the instance refused the token of `session.accounts[index]`. */
export function sessionRevoked(session: Session, index: number, deps: ProxyDeps): Promise<BffError> {
  return accountEnded(session, index, deps, "session_revoked");
}

const DESCRIPTIONS = {
  session_revoked: "The instance no longer accepts this account's sign-in; sign in again.",
  reauth_required: "This account's sign-in has ended on its instance; sign in again.",
} as const;

/** The error for an account that leaves the session: the cookie without it rides along. */
export async function accountEnded(
  session: Session,
  index: number,
  deps: ProxyDeps,
  code: keyof typeof DESCRIPTIONS,
  internal?: string,
): Promise<BffError> {
  const cookie = await cookieWithout(session, (_, i) => i === index, deps.ring);
  const account = session.accounts[index];
  const why = internal ?? (code === "session_revoked" ? "upstream refused the token" : "token ended");
  return new BffError(code, DESCRIPTIONS[code], {
    internal: `${why} for ${account?.instance ?? "?"}`,
    headers: { "set-cookie": cookie },
    ...(account === undefined ? {} : { account: accountKey(account) }),
  });
}
