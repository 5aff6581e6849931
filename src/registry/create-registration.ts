/**
 * Making a new registration: discovery (reused from a recent registration when it can be) and
 * `POST /api/v1/apps`. Nothing is stored here; the registrar stores what this returns.
 */

import { nowSeconds } from "../clock.ts";
import type { Config } from "../config/config.ts";
import { discoverInstance, type InstanceInfo } from "../instance/discovery.ts";
import { registerApp } from "../oauth/register.ts";
import type { Registration, RegistrationRequest } from "../oauth/registration.ts";
import { DISCOVERY_REUSE } from "./keeping.ts";
import { upstreamContext } from "./scope.ts";

type KnownInfo = InstanceInfo & { discoveredAt: number };

/** Registers an app for `req`, discovering the instance first unless `previous` saw it recently. */
export async function createRegistration(
  config: Config,
  req: RegistrationRequest,
  previous: Registration | undefined,
): Promise<Registration> {
  const ctx = upstreamContext(config);
  const now = nowSeconds();
  const info = reusableInfo(previous) ?? {
    ...(await discoverInstance(ctx, req.origin, {
      insecureHosts: config.insecureHosts,
      allow: config.allowlist,
      deny: config.denylist,
    })),
    discoveredAt: now,
  };
  const credentials = await registerApp(ctx, {
    endpoint: info.endpoints.register,
    host: req.host,
    redirectUri: req.redirectUri,
    scopes: req.scopes,
    appName: config.appName,
    appWebsite: config.appWebsite,
  });
  const { host, origin, redirectUri, scopes } = req;
  return { host, origin, redirectUri, scopes, ...credentials, ...info, createdAt: now };
}

/** What a recent registration already discovered, so a new one need not ask again. */
function reusableInfo(previous: Registration | undefined): KnownInfo | null {
  if (previous === undefined) return null;
  const discoveredAt = previous.discoveredAt ?? previous.createdAt;
  if (discoveredAt <= nowSeconds() - DISCOVERY_REUSE) return null;
  const { endpoints, issuer, software, forceLogin, streaming } = previous;
  return {
    endpoints,
    ...(issuer === undefined ? {} : { issuer }),
    software,
    forceLogin,
    streaming,
    discoveredAt,
  };
}
