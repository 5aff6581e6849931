/**
 * Per-request dependencies, built from the validated config. Everything here is memoized per
 * isolate (config, key ring), so building it costs a few property reads.
 */
import { type Config, loadConfig } from "../config/config.ts";
import type { Env } from "../config/env.ts";
import { getKeyRing, type KeyRing } from "../crypto/key-ring.ts";
import { type FetchLike, type UpstreamContext, userAgent } from "../http/upstream.ts";
import type { HostPolicy } from "../instance/host.ts";
import type { RegistrationRequest } from "../oauth/registration.ts";
import type { RegistryDeps } from "../registry/registry.ts";

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

const globalFetch: FetchLike = (input, init) => fetch(input, init);
/** Per env object (stable within an isolate): the deps for each public origin seen. */
const memo = new WeakMap<object, Map<string, Deps>>();

/** The deps for this request; built once per isolate and origin, then a map lookup. */
export async function buildDeps(env: Env, requestUrl: string): Promise<Deps> {
  const config = loadConfig(env);
  const publicOrigin = config.publicUrl ?? new URL(requestUrl).origin;
  let byOrigin = memo.get(env);
  const known = byOrigin?.get(publicOrigin);
  if (known !== undefined) return known;
  const ring = await getKeyRing(config.sessionKeys);
  const deps: Deps = {
    env,
    config,
    ring,
    publicOrigin,
    policy: { insecureHosts: config.insecureHosts, allow: config.allowlist, deny: config.denylist },
    upstream: { fetch: globalFetch, userAgent: userAgent(publicOrigin), timeoutMs: config.upstreamTimeoutMs },
    registry: { kv: env.APPS, registrar: env.REGISTRAR, ring },
  };
  if (byOrigin === undefined) {
    byOrigin = new Map();
    memo.set(env, byOrigin);
  }
  // In development the origin comes from the request: bound the map against spoofed Host headers.
  if (byOrigin.size < 16) byOrigin.set(publicOrigin, deps);
  return deps;
}

export function redirectUri(deps: Deps): string {
  return `${deps.publicOrigin}/auth/callback`;
}

/** Which app this deployment uses on an instance: its redirect_uri and configured scopes. */
export function registrationRequest(
  deps: Deps,
  target: { host: string; origin: string },
): RegistrationRequest {
  return {
    host: target.host,
    origin: target.origin,
    redirectUri: redirectUri(deps),
    scopes: deps.config.scopes.join(" "),
  };
}
