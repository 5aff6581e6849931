/**
 * The callback's last step: the account it obtained joins this browser's session cookie, and the
 * browser goes back to return_to. Every token that no session will hold is revoked, never left
 * live upstream: an account over the cookie budget or the account cap, an account it replaces,
 * and a finished login whose session lost the race.
 */

import type { Deps } from "../app/deps.ts";
import type { AppContext } from "../app/types.ts";
import { BffError } from "../errors.ts";
import { fitAccount } from "../session/account-budget.ts";
import { addAccount, type MergeResult } from "../session/accounts.ts";
import {
  clearLoginCookie,
  finishedLoginCookie,
  hasConcurrentLogin,
  type LoginTransaction,
} from "../session/login.ts";
import type { SessionAccount } from "../session/session.ts";
import { readSession, sessionSetCookie } from "../session/store.ts";
import { renewHoldings } from "./renew-holdings.ts";
import { redirectTo, withQueryParam } from "./return-to.ts";
import { revokeAccount } from "./revoke-account.ts";
import { settleFinishedLogins } from "./settle-logins.ts";

/** Signs `issued` in: the new session cookie, the settled login slots, the redirect. */
export async function signIn(
  c: AppContext,
  deps: Deps,
  tx: LoginTransaction,
  issued: SessionAccount,
): Promise<Response> {
  const account = withinBudget(c, deps, tx, issued);
  const merged = await mergeIntoSession(c, deps, account);
  const waitUntil = (promise: Promise<unknown>) => c.executionCtx.waitUntil(promise);
  waitUntil(renewHoldings(deps, merged.accounts, account, deps.config.sessionTtl));
  const header = c.req.header("cookie") ?? null;
  const settled = await settleFinishedLogins(
    deps,
    header,
    [...merged.accounts, ...merged.replaced],
    waitUntil,
  );
  const res = redirectTo(signedInTarget(tx, account, deps));
  res.headers.append(
    "set-cookie",
    await sessionSetCookie(merged.accounts, merged.active, deps.ring, deps.config.sessionTtl),
  );
  const own = await ownLoginCookie(header, tx, account, deps);
  for (const cookie of [...settled.filter((line) => !sameName(line, own)), own]) {
    res.headers.append("set-cookie", cookie);
  }
  return res;
}

/** The account cut to its share of the cookie; a token no session can hold is revoked at once. */
function withinBudget(c: AppContext, deps: Deps, tx: LoginTransaction, account: SessionAccount) {
  try {
    return fitAccount(account, { scope: tx.scopes, streaming: account.origin.replace(/^http/, "ws") });
  } catch (error) {
    c.executionCtx.waitUntil(revokeAccount(deps, account));
    throw error;
  }
}

/** The session with `account` added; the accounts it replaces are revoked, as is one over the cap. */
async function mergeIntoSession(c: AppContext, deps: Deps, account: SessionAccount): Promise<MergeResult> {
  const session = await readSession(c.req.header("cookie") ?? null, deps.ring);
  const merged = addAccount(session, account);
  if (merged === null) {
    c.executionCtx.waitUntil(revokeAccount(deps, account));
    throw new BffError(
      "too_many_accounts",
      "This browser session already holds the maximum number of accounts.",
    );
  }
  for (const old of merged.replaced) c.executionCtx.waitUntil(revokeAccount(deps, old));
  return merged;
}

/** return_to, flagged when a login by handle ended with someone else than the handle typed. */
function signedInTarget(tx: LoginTransaction, account: SessionAccount, deps: Deps): string {
  if (tx.expectedAcct === "" || tx.expectedAcct === account.username.toLowerCase()) return tx.returnTo;
  return withQueryParam(tx.returnTo, "auth_warning", "account_mismatch", deps);
}

/**
 * This login's slot: cleared, unless another login of this instance is pending. Both may finish at
 * once from the same old session, so this slot keeps its token until a later request shows which
 * session won (settle-logins.ts).
 */
async function ownLoginCookie(
  header: string | null,
  tx: LoginTransaction,
  account: SessionAccount,
  deps: Deps,
): Promise<string> {
  const racing = await hasConcurrentLogin(header, tx.host, tx.state, deps.ring);
  return racing ? await finishedLoginCookie(tx.state, account, deps.ring) : clearLoginCookie(tx.state);
}

const sameName = (a: string, b: string) => a.slice(0, a.indexOf("=")) === b.slice(0, b.indexOf("="));
