/**
 * Revokes one session account's token with the client it was issued to (best effort), unless
 * another session of this fedi-bff still holds the same token (src/registry/holding.ts).
 */
import { type Deps, registrationRequest } from "../app/deps.ts";
import { log } from "../log.ts";
import { type LogoutRevoke, revokeUnlessHeld } from "../registry/holding.ts";
import { registrationForClient } from "../registry/registry.ts";
import type { SessionAccount } from "../session/session.ts";

export async function revokeAccount(
  deps: Deps,
  account: Pick<SessionAccount, "instance" | "origin" | "clientId" | "token" | "holder">,
): Promise<LogoutRevoke> {
  try {
    const request = registrationRequest(deps, { host: account.instance, origin: account.origin });
    const registration = await registrationForClient(deps.registry, request, account.clientId);
    if (registration === null) {
      log("warn", "revoke_failed", { host: account.instance, internal: "registration gone" });
      return "failed";
    }
    return await revokeUnlessHeld(deps.upstream, deps.registry, registration, account.token, account.holder);
  } catch (error) {
    log("warn", "revoke_failed", { host: account.instance, internal: String(error) });
    return "failed";
  }
}
