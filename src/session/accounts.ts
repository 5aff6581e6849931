/**
 * Several accounts in one browser session. The cookie holds them all, so their number is capped
 * to keep it under a browser's ~4 KB (docs/routes.md, "Multiple accounts").
 */
import { accountBytes, SESSION_ACCOUNT_BYTES } from "./account-budget.ts";
import { accountKey, MAX_ACCOUNTS, type Session, type SessionAccount } from "./session.ts";

export { MAX_ACCOUNTS };

export interface MergeResult {
  readonly accounts: readonly SessionAccount[];
  readonly active: number;
  /**
   * Accounts this session no longer holds (same account signed in again): revoke them, unless
   * another session holds the token (the same token, reused, is held by the new sign-in).
   */
  readonly replaced: readonly SessionAccount[];
}

/** Adds (or refreshes) `account` and makes it active; null when the session is full. */
export function addAccount(session: Session | null, account: SessionAccount): MergeResult | null {
  const accounts = [...(session?.accounts ?? [])];
  const key = accountKey(account);
  const index = accounts.findIndex((a) => accountKey(a) === key);
  if (index >= 0) {
    const previous = accounts[index] as SessionAccount;
    accounts[index] = account;
    // The same token again (Mastodon reuses it) under another holding: that holding is let go.
    const same = previous.token === account.token && previous.holder === account.holder;
    return { accounts, active: index, replaced: same ? [] : [previous] };
  }
  if (accounts.length >= MAX_ACCOUNTS) return null;
  accounts.push(account);
  // Long tokens (Pixelfed's) take more room: the cookie must still fit a browser's ~4 KB.
  if (accounts.reduce((sum, a) => sum + accountBytes(a), 0) > SESSION_ACCOUNT_BYTES) return null;
  return { accounts, active: accounts.length - 1, replaced: [] };
}

/** The index of the account named by `key` (`<id>@<instance>`), or -1. */
export function findAccount(session: Session, key: string): number {
  return session.accounts.findIndex((a) => accountKey(a) === key);
}
