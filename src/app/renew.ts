/**
 * Renewing a session account's token, for the proxy's rare slow path (proxy/renewal.ts): the proxy
 * reaches no storage itself, so the app hands it this function, which goes through the instance's
 * registrar (src/registry/renew.ts).
 */

import { BffError } from "../errors.ts";
import type { RenewedToken, RenewToken } from "../proxy/renewal.ts";
import { refreshThroughRegistrar } from "../registry/renew.ts";
import { lifetimeFields } from "../session/token-life.ts";
import { buildDeps } from "./deps.ts";

export const renewToken: RenewToken = async (env, requestUrl, account): Promise<RenewedToken> => {
  const { refreshToken } = account;
  if (refreshToken === undefined) {
    throw new BffError("reauth_required", "This account's sign-in cannot be renewed.");
  }
  const deps = await buildDeps(env, requestUrl);
  const refreshed = await refreshThroughRegistrar(deps.registry, { ...account, refreshToken });
  return { token: refreshed.accessToken, ...lifetimeFields(refreshed, refreshed.issuedAt) };
};
