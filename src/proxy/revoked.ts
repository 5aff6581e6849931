/**
 * An instance answering 401 has revoked (or forgotten) the account's token. Only that account
 * leaves the session — the browser may hold others that still work — and the browser is told with
 * 401 `session_revoked`, carrying the re-sealed cookie (or a cleared one when none is left).
 */

import { BffError } from "../errors.ts";
import { cookieWithout } from "../session/drop.ts";
import type { Session } from "../session/session.ts";
import type { ProxyDeps } from "./deps.ts";

/** The error to throw when the instance refused the token of `session.accounts[index]`. */
export async function sessionRevoked(session: Session, index: number, deps: ProxyDeps): Promise<BffError> {
  const cookie = await cookieWithout(session, (_, i) => i === index, deps.ring);
  const account = session.accounts[index];
  return new BffError(
    "session_revoked",
    "The instance no longer accepts this account's sign-in; sign in again.",
    {
      internal: `upstream 401 for ${account?.instance ?? "?"}`,
      headers: { "set-cookie": cookie },
    },
  );
}
