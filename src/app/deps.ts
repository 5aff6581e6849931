/**
 * Per-request dependencies of the whole app: the proxy's own (proxy/deps.ts) plus the full config,
 * the Worker env and the registry's storage. Memoized per isolate alongside the proxy's deps, so
 * building it costs a map lookup.
 */
import { type Config, loadConfig } from "../config/config.ts";
import type { Env } from "../config/env.ts";
import type { RegistrarSettings } from "../config/registrar-rpc.ts";
import { FEDI_BFF_VARIABLES, type VariableName } from "../config/variables.ts";
import type { RegistrationRequest } from "../oauth/registration.ts";
import { getProxyDeps, type ProxyDeps } from "../proxy/deps.ts";
import type { RegistryDeps } from "../registry/registry.ts";

export interface Deps extends ProxyDeps {
  readonly env: Env;
  readonly config: Config;
  readonly registry: RegistryDeps;
}

/** Keyed by the proxy's deps, which are themselves one object per env and public origin. */
const memo = new WeakMap<ProxyDeps, Deps>();

/** The deps for this request; built once per isolate and origin, then a map lookup. */
export async function buildDeps(env: Env, requestUrl: string): Promise<Deps> {
  const proxyDeps = await getProxyDeps(env, requestUrl);
  const known = memo.get(proxyDeps);
  if (known !== undefined) return known;
  const deps: Deps = {
    ...proxyDeps,
    env,
    config: loadConfig(env),
    registry: { kv: env.APPS, registrar: env.REGISTRAR, ring: proxyDeps.ring, settings: variablesOf(env) },
  };
  memo.set(proxyDeps, deps);
  return deps;
}

/** The variables this env sets (for a library handler: its options laid over the Worker's env). */
function variablesOf(env: Env): RegistrarSettings {
  const settings: Partial<Record<VariableName, string>> = {};
  for (const name of FEDI_BFF_VARIABLES) {
    const value = env[name];
    if (value !== undefined) settings[name] = value;
  }
  return settings;
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
