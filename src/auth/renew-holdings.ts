/**
 * A sign-in gives the whole session cookie a new lifetime, so the holdings of the accounts it
 * already held (src/registry/holding.ts) are renewed to end with it: otherwise another device's
 * logout could find an account's holding ended while this session still uses the token.
 */
import { type Deps, registrationRequest } from "../app/deps.ts";
import { renewHolding } from "../registry/holding.ts";
import { registrationForClient } from "../registry/registry.ts";
import type { SessionAccount } from "../session/session.ts";

/** Renews every holding of `accounts` but `signedIn`'s (just made) for `ttl` seconds (best effort). */
export async function renewHoldings(
  deps: Deps,
  accounts: readonly SessionAccount[],
  signedIn: SessionAccount,
  ttl: number,
): Promise<void> {
  const others = accounts.filter((a) => a.holder !== undefined && a.holder !== signedIn.holder);
  await Promise.all(
    others.map(async (account) => {
      const request = registrationRequest(deps, { host: account.instance, origin: account.origin });
      const registration = await registrationForClient(deps.registry, request, account.clientId).catch(
        () => null,
      );
      if (registration !== null && account.holder !== undefined) {
        await renewHolding(deps.registry, registration, account.token, account.holder, ttl);
      }
    }),
  );
}
