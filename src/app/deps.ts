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

/**
 * The callback path of every instance: one redirect URI per instance (RFC 9700 §4.4.2), so the URL
 * an authorization response arrives on names the server it came from, and a response one instance
 * sends to another's login is refused before its code goes anywhere (auth/callback/callback.ts).
 */
export const CALLBACK_PATH = "/auth/callback/";

/**
 * The one callback every instance shared before per-instance redirect URIs: only logins started
 * before the upgrade (sealed with it, at most LOGIN_TTL old) may still arrive there.
 */
export const LEGACY_CALLBACK_PATH = "/auth/callback";

/** `host`'s redirect URI: `PUBLIC_URL/auth/callback/<canonical host>`. */
export function redirectUri(deps: Pick<Deps, "publicOrigin">, host: string): string {
  return `${deps.publicOrigin}${CALLBACK_PATH}${host}`;
}

/** What a login transaction holds for "the instance's own redirect URI" (derived, not stored). */
export const OWN_REDIRECT_URI = "";

/** The redirect URI a login was started with: its instance's own, or the shared one it sealed. */
export function loginRedirectUri(
  deps: Pick<Deps, "publicOrigin">,
  tx: { readonly host: string; readonly redirectUri: string },
): string {
  return tx.redirectUri === OWN_REDIRECT_URI ? redirectUri(deps, tx.host) : tx.redirectUri;
}

/** Which app this deployment uses on an instance: its redirect_uri and configured scopes. */
export function registrationRequest(
  deps: Deps,
  target: { host: string; origin: string },
): RegistrationRequest {
  return {
    host: target.host,
    origin: target.origin,
    redirectUri: redirectUri(deps, target.host),
    scopes: deps.config.scopes.join(" "),
  };
}
