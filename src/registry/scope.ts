/**
 * What the registrar's parts share: the Durable Object's state (storage, waitUntil) and the
 * settings of the handler that called (src/registry/registrar.ts), with the object's bindings.
 */
import { type Config, loadConfig } from "../config/config.ts";
import type { Env } from "../config/env.ts";
import type { RegistrarSettings } from "../config/registrar-rpc.ts";
import { FEDI_BFF_BINDINGS } from "../config/variables.ts";
import { getKeyRing, type KeyRing } from "../crypto/key-ring.ts";
import type { EventPlace } from "../events.ts";
import { type UpstreamContext, userAgent } from "../http/upstream.ts";
import type { Registration } from "../oauth/registration.ts";

/** The Durable Object's state and bindings, as its parts need them. */
export interface RegistrarScope {
  readonly state: DurableObjectState;
  /** Read at each use: the object's `env` is the one source (a test may swap a binding on it). */
  readonly env: () => Env;
}

/** The current registration of one fingerprint, opened and still sealed. */
export interface Current {
  readonly registration: Registration;
  readonly sealed: string;
}

/**
 * The env a handler's settings make: exactly those variables (none of the object's own), and the
 * object's bindings, read at each use (a test may swap one on the object's env).
 */
export function settingsEnv(bindings: () => Env, settings: RegistrarSettings): Env {
  const env = { ...settings } as Env;
  for (const name of FEDI_BFF_BINDINGS) {
    Object.defineProperty(env, name, { enumerable: true, get: () => bindings()[name] });
  }
  return env;
}

export function configOf(scope: RegistrarScope): Config {
  return loadConfig(scope.env());
}

/** Where the registrar's events happen: its own env's Analytics Engine dataset. */
export function eventPlace(scope: RegistrarScope): EventPlace {
  return { dataset: scope.env().METRICS };
}

export function keyRingOf(scope: RegistrarScope): Promise<KeyRing> {
  return getKeyRing(configOf(scope).sessionKeys);
}

/** The registrar talks to instances with the global fetch, like the Worker. */
export function upstreamContext(config: Config): UpstreamContext {
  return {
    fetch: (input, init) => fetch(input, init),
    userAgent: userAgent(config.appWebsite ?? config.publicUrl),
    timeoutMs: config.upstreamTimeoutMs,
  };
}
