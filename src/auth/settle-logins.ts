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
  held: readonly Pick<SessionAccount, "token">[],
): Promise<string[]> {
  const tokens = new Set(held.map((a) => a.token));
  const finished = finishedLogins(await req.slots());
  for (const { account } of finished) {
    if (!tokens.has(account.token)) req.waitUntil(revokeAccount(req.deps, account));
  }
  return finished.map(({ slot }) => clearSlotCookie(slot));
}
