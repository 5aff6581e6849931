/**
 * Settles finished logins (login/transaction.ts, FinishedLogin): once a request shows which
 * session the browser kept, a token a finished login obtained that this session does not hold was
 * overwritten by a login that finished at the same moment — it is revoked, never left live.
 */
import type { SessionAccount } from "../session/session.ts";
import { finishedLogins } from "./login/slots.ts";
import { clearSlotCookie } from "./login/transaction.ts";
import type { AuthRequest } from "./request.ts";
import { revokeAccount } from "./revoke-account.ts";

/**
 * Set-Cookie lines that clear the settled slots; revocations go to `waitUntil`. `held` are the
 * accounts whose tokens are accounted for (in the session, or already being revoked).
 */
export async function settleFinishedLogins(
  req: AuthRequest,
  held: readonly Pick<SessionAccount, "token" | "holder">[],
): Promise<string[]> {
  // A token and the holding it came with (src/registry/holding.ts): the same token reused for two
  // logins is two holdings, and the one no session kept is released.
  const holding = (a: Pick<SessionAccount, "token" | "holder">) => `${a.token}\n${a.holder ?? ""}`;
  const kept = new Set(held.map(holding));
  const finished = finishedLogins(await req.slots());
  for (const { account } of finished) {
    if (!kept.has(holding(account))) req.waitUntil(revokeAccount(req.deps, account));
  }
  return finished.map(({ slot }) => clearSlotCookie(slot));
}
