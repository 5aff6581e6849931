/** Revokes one session account's token with the client it was issued to (best effort). */
import { type Deps, registrationRequest } from "../app/deps.ts";
import { log } from "../log.ts";
import { revokeToken } from "../oauth/revoke.ts";
import { registrationForClient } from "../registry/registry.ts";
import type { SessionAccount } from "../session/session.ts";

export async function revokeAccount(
  deps: Deps,
  account: Pick<SessionAccount, "instance" | "origin" | "clientId" | "token">,
): Promise<boolean> {
  try {
    const request = registrationRequest(deps, { host: account.instance, origin: account.origin });
    const registration = await registrationForClient(deps.registry, request, account.clientId);
    if (registration === null) {
      log("warn", "revoke_failed", { host: account.instance, internal: "registration gone" });
      return false;
    }
    return await revokeToken(deps.upstream, registration, account.token);
  } catch (error) {
    log("warn", "revoke_failed", { host: account.instance, internal: String(error) });
    return false;
  }
}
