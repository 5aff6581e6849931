/**
 * Per-request dependencies, built from the validated config. Everything here is memoized per
 * isolate (config, key ring), so building it costs a few property reads.
 */
import { type Config, loadConfig } from "./config.ts";
import type { Env } from "./env.ts";
import { type FetchLike, type UpstreamContext, userAgent } from "./http/upstream.ts";
import type { HostPolicy } from "./instance/host.ts";
import type { RegistryDeps } from "./instance/registry.ts";
import { getKeyRing, type KeyRing } from "./session/keys.ts";

export interface Deps {
  readonly env: Env;
  readonly config: Config;
  readonly ring: KeyRing;
  /** The BFF's own origin (PUBLIC_URL; in development without it, the request's origin). */
  readonly publicOrigin: string;
  readonly policy: HostPolicy;
  readonly upstream: UpstreamContext;
  readonly registry: RegistryDeps;
}

export async function buildDeps(
  env: Env,
  requestUrl: string,
  fetcher: FetchLike = (i, init) => fetch(i, init),
): Promise<Deps> {
  const config = loadConfig(env);
  const ring = await getKeyRing(config.sessionKeys);
  const publicOrigin = config.publicUrl ?? new URL(requestUrl).origin;
  return {
    env,
    config,
    ring,
    publicOrigin,
    policy: { insecureHosts: config.insecureHosts },
    upstream: { fetch: fetcher, userAgent: userAgent(publicOrigin), timeoutMs: config.upstreamTimeoutMs },
    registry: { kv: env.APPS, registrar: env.REGISTRAR, ring },
  };
}

export function redirectUri(deps: Deps): string {
  return `${deps.publicOrigin}/auth/callback`;
}
