/**
 * What the API proxy needs per request, and nothing more: the settings it reads, the key ring
 * that opens the session cookie, the BFF's origin, the host policy for streaming hosts and the
 * upstream fetch. No storage binding appears here, not even as a type: the hot path does no KV
 * read or Durable Object call per request, and this type keeps it so. Memoized per isolate, so
 * getting it costs a map lookup.
 */
import { type Config, loadConfig } from "../config/config.ts";
import type { Env } from "../config/env.ts";
import { getKeyRing, type KeyRing } from "../crypto/key-ring.ts";
import { type FetchLike, type UpstreamContext, userAgent } from "../http/upstream.ts";
import type { HostPolicy } from "../instance/host.ts";
import { exclusionCheck } from "../instance/policy.ts";

/** The settings the proxy reads (CORS, origin checks, path prefixes). */
export type ProxyConfig = Pick<Config, "frontendOrigins" | "proxyPrefixes">;

export interface ProxyDeps {
  readonly config: ProxyConfig;
  readonly ring: KeyRing;
  /** The BFF's own origin (PUBLIC_URL; in development without it, the request's origin). */
  readonly publicOrigin: string;
  readonly policy: HostPolicy;
  /** True when the operator's lists exclude a canonical host: a constant or a memo lookup. */
  readonly excluded: (host: string) => boolean;
  readonly upstream: UpstreamContext;
}

const globalFetch: FetchLike = (input, init) => fetch(input, init);
/** Per env object (stable within an isolate): the deps for each public origin seen. */
const memo = new WeakMap<object, Map<string, ProxyDeps>>();
/** In development the origin comes from the request: the map is bounded against spoofed Hosts. */
const ORIGINS_PER_ENV = 16;

/** The proxy's deps for this request; built once per isolate and origin, then a map lookup. */
export async function getProxyDeps(env: Env, requestUrl: string): Promise<ProxyDeps> {
  const config = loadConfig(env);
  const publicOrigin = config.publicUrl ?? new URL(requestUrl).origin;
  let byOrigin = memo.get(env);
  const known = byOrigin?.get(publicOrigin);
  if (known !== undefined) return known;
  const deps: ProxyDeps = {
    config,
    ring: await getKeyRing(config.sessionKeys),
    publicOrigin,
    policy: { insecureHosts: config.insecureHosts, allow: config.allowlist, deny: config.denylist },
    excluded: exclusionCheck({ allow: config.allowlist, deny: config.denylist }),
    upstream: {
      fetch: globalFetch,
      userAgent: userAgent(config.appWebsite ?? publicOrigin),
      timeoutMs: config.upstreamTimeoutMs,
    },
  };
  if (byOrigin === undefined) {
    byOrigin = new Map();
    memo.set(env, byOrigin);
  }
  if (byOrigin.size < ORIGINS_PER_ENV) byOrigin.set(publicOrigin, deps);
  return deps;
}
