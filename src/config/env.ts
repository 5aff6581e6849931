/**
 * The Worker's bindings, secrets and vars (wrangler.toml). The variables' names come from the one
 * list in variables.ts; every one is a string as Cloudflare delivers it, and config.ts parses and
 * validates them once (docs/configuration.md says what each means).
 */
import type { RegistrarRpc } from "./registrar-rpc.ts";
import type { FEDI_BFF_BINDINGS, VariableName } from "./variables.ts";

/** Each of fedi-bff's variables, unset or a string. */
export type EnvVariables = { [K in VariableName]?: string };

export interface Env extends EnvVariables {
  /**
   * Secret: the operator's Bearer token for the admin routes under /_fedi-bff/ (instance status
   * and repairs, readiness details, metrics). Unset: those routes answer 404.
   */
  ADMIN_TOKEN?: string;
  /**
   * App registrations, read on the login hot path. Absent when self-hosted: the registry then
   * reads through the Registrar (src/registry/registry.ts).
   */
  APPS?: KVNamespace;
  /** One Durable Object per instance host: the single writer of its registration. */
  REGISTRAR: DurableObjectNamespace<RegistrarRpc>;
  /** Login starts per client IP. Absent when self-hosted: an in-isolate window stands in (src/http/rate-limit.ts). */
  LOGIN_LIMITER?: RateLimit;
  /** Optional Workers Analytics Engine dataset: one data point per event (docs/operators.md). */
  METRICS?: AnalyticsEngineDataset;
}

/** The bindings above are exactly FEDI_BFF_BINDINGS: the list and the type cannot drift apart. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Expect<T extends true> = T;
export type BindingsListed = Expect<
  Same<Exclude<keyof Env, VariableName>, (typeof FEDI_BFF_BINDINGS)[number]>
>;
