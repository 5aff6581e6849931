/**
 * Settles finished logins (session/login.ts, FinishedLogin): once a request shows which session
 * the browser kept, a token a finished login obtained that this session does not hold was
 * overwritten by a login that finished at the same moment — it is revoked, never left live.
 */
import type { Deps } from "../app/deps.ts";
import { clearCookie } from "../session/cookies.ts";
import { finishedLogins, loginCookieName } from "../session/login.ts";
import type { SessionAccount } from "../session/session.ts";
import { revokeAccount } from "./revoke-account.ts";

/**
 * Set-Cookie lines that clear the settled slots; revocations go to `waitUntil`. `held` are the
 * accounts whose tokens are accounted for (in the session, or already being revoked).
 */
export async function settleFinishedLogins(
  deps: Deps,
  cookieHeader: string | null,
  held: readonly Pick<SessionAccount, "token" | "holder">[],
  waitUntil: (promise: Promise<unknown>) => void,
): Promise<string[]> {
  // A token and the holding it came with (src/registry/holding.ts): the same token reused for two
  // logins is two holdings, and the one no session kept is released.
  const holding = (a: Pick<SessionAccount, "token" | "holder">) => `${a.token}\n${a.holder ?? ""}`;
  const kept = new Set(held.map(holding));
  const finished = await finishedLogins(cookieHeader, deps.ring);
  for (const { account } of finished) {
    if (!kept.has(holding(account))) waitUntil(revokeAccount(deps, account));
  }
  return finished.map(({ slot }) => clearCookie(loginCookieName(slot)));
}
