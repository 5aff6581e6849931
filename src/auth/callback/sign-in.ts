/**
 * The callback's last step: the account it obtained joins this browser's session cookie, and the
 * browser goes back to return_to. Every token that no session will hold is revoked, never left
 * live upstream: an account over the cookie budget or the account cap, an account it replaces,
 * and a finished login whose session lost the race.
 */

import { BffError } from "../../errors.ts";
import { fitAccount } from "../../session/account-budget.ts";
import { addAccount, type MergeResult } from "../../session/accounts.ts";
import type { Session, SessionAccount } from "../../session/session.ts";
import { remainingLifetime, sessionSetCookie } from "../../session/store.ts";
import { hasConcurrentLogin } from "../login/slots.ts";
import { clearLoginCookie, finishedLoginCookie, type LoginTransaction } from "../login/transaction.ts";
import type { AuthRequest } from "../request.ts";
import { redirectTo, withQueryParam } from "../return-to.ts";
import { revokeAccount } from "../revoke-account.ts";
import { settleFinishedLogins } from "../settle-logins.ts";

/** Signs `issued` in: the new session cookie, the settled login slots, the redirect. */
export async function signIn(
  req: AuthRequest,
  tx: LoginTransaction,
  issued: SessionAccount,
): Promise<Response> {
  const { deps } = req;
  const account = withinBudget(req, tx, issued);
  const session = await req.session();
  const merged = mergeIntoSession(req, session, account);
  const settled = await settleFinishedLogins(req, [...merged.accounts, ...merged.replaced]);
  const res = redirectTo(signedInTarget(req, tx, account));
  res.headers.append(
    "set-cookie",
    // The session's absolute lifetime (OWASP ASVS 7.3.2) runs from its first sign-in: adding an
    // account does not extend it.
    await sessionSetCookie(
      merged.accounts,
      merged.active,
      deps.ring,
      session === null ? deps.config.sessionTtl : remainingLifetime(session),
    ),
  );
  const own = await ownLoginCookie(req, tx, account);
  for (const cookie of [...settled.filter((line) => !sameName(line, own)), own]) {
    res.headers.append("set-cookie", cookie);
  }
  return res;
}

/** The account cut to its share of the cookie; a token no session can hold is revoked at once. */
function withinBudget(req: AuthRequest, tx: LoginTransaction, account: SessionAccount) {
  try {
    return fitAccount(account, { scope: tx.scopes, streaming: account.origin.replace(/^http/, "ws") });
  } catch (error) {
    req.waitUntil(revokeAccount(req.deps, account));
    throw error;
  }
}

/** The session with `account` added; the accounts it replaces are revoked, as is one over the cap. */
function mergeIntoSession(req: AuthRequest, session: Session | null, account: SessionAccount): MergeResult {
  const merged = addAccount(session, account);
  if (merged === null) {
    req.waitUntil(revokeAccount(req.deps, account));
    throw new BffError(
      "too_many_accounts",
      "This browser session already holds the maximum number of accounts.",
    );
  }
  for (const old of merged.replaced) req.waitUntil(revokeAccount(req.deps, old));
  return merged;
}

/** return_to, flagged when a login by handle ended with someone else than the handle typed. */
function signedInTarget(req: AuthRequest, tx: LoginTransaction, account: SessionAccount): string {
  if (tx.expectedAcct === "" || tx.expectedAcct === account.username.toLowerCase()) return tx.returnTo;
  return withQueryParam(tx.returnTo, "auth_warning", "account_mismatch", req.deps);
}

/**
 * This login's slot: cleared, unless another login is pending in this browser. Both may finish at
 * once from the same old session — whatever their instances — so this slot keeps its token until
 * a later request shows which session won (settle-logins.ts).
 */
async function ownLoginCookie(
  req: AuthRequest,
  tx: LoginTransaction,
  account: SessionAccount,
): Promise<string> {
  const racing = hasConcurrentLogin(await req.slots(), tx.state);
  return racing ? finishedLoginCookie(tx.state, account, req.deps.ring) : clearLoginCookie(tx.state);
}

const sameName = (a: string, b: string) => a.slice(0, a.indexOf("=")) === b.slice(0, b.indexOf("="));
