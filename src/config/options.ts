/**
 * fedi-bff's settings as an options object, for a Worker that mounts it as a library. Each option
 * is one of the variables of wrangler.toml under a camelCase name and is validated by the very same
 * rules (config.ts): an option is turned into the variable's text and overrides a variable of the
 * same name, so a problem in either is reported together with every other one, and fails closed.
 * Only an option of the wrong JavaScript type is refused earlier, when the handler is created.
 */
import type { Env } from "./env.ts";
import type { VariableName } from "./variables.ts";

/** Settings given in code; each overrides the variable named beside it (docs/configuration.md). */
export interface FediBffOptions {
  /** SESSION_KEYS. Prefer the secret: keys in code end up in the bundle. */
  readonly sessionKeys?: string | readonly string[];
  /** PUBLIC_URL: the origin users reach fedi-bff on. */
  readonly publicUrl?: string;
  /** ENVIRONMENT: "development" enables dev conveniences. */
  readonly environment?: string;
  /** APP_NAME: the app's name on the instances' consent pages. */
  readonly appName?: string;
  /** APP_WEBSITE. */
  readonly appWebsite?: string;
  /** SCOPES. */
  readonly scopes?: string | readonly string[];
  /** SESSION_TTL, in seconds. */
  readonly sessionTtl?: number;
  /** ALLOW_INSECURE_INSTANCES (development only). */
  readonly allowInsecureInstances?: readonly string[];
  /** INSTANCE_ALLOWLIST. */
  readonly instanceAllowlist?: readonly string[];
  /** INSTANCE_DENYLIST. */
  readonly instanceDenylist?: readonly string[];
  /** FRONTEND_ORIGINS. */
  readonly frontendOrigins?: readonly string[];
  /** PROXY_PATH_PREFIXES. */
  readonly proxyPathPrefixes?: readonly string[];
  /** PUBLIC_PROXY. */
  readonly publicProxy?: boolean;
  /** UPSTREAM_TIMEOUT, in seconds. */
  readonly upstreamTimeout?: number;
  /** TRUSTED_PROXIES (self-hosted behind a reverse proxy). */
  readonly trustedProxies?: readonly string[];
}

type Kind = "text" | "list" | "spaced" | "seconds" | "flag";
type VarName = VariableName;

/** Each option, the variable it stands for, and how its value becomes that variable's text. */
const OPTION_VARS: Readonly<Record<keyof FediBffOptions, readonly [VarName, Kind]>> = {
  sessionKeys: ["SESSION_KEYS", "list"],
  publicUrl: ["PUBLIC_URL", "text"],
  environment: ["ENVIRONMENT", "text"],
  appName: ["APP_NAME", "text"],
  appWebsite: ["APP_WEBSITE", "text"],
  scopes: ["SCOPES", "spaced"],
  sessionTtl: ["SESSION_TTL", "seconds"],
  allowInsecureInstances: ["ALLOW_INSECURE_INSTANCES", "list"],
  instanceAllowlist: ["INSTANCE_ALLOWLIST", "list"],
  instanceDenylist: ["INSTANCE_DENYLIST", "list"],
  frontendOrigins: ["FRONTEND_ORIGINS", "list"],
  proxyPathPrefixes: ["PROXY_PATH_PREFIXES", "list"],
  publicProxy: ["PUBLIC_PROXY", "flag"],
  upstreamTimeout: ["UPSTREAM_TIMEOUT", "seconds"],
  trustedProxies: ["TRUSTED_PROXIES", "list"],
};

/** The variables the options set; throws a TypeError naming every option of the wrong type. */
export function optionVars(options: FediBffOptions): Readonly<Partial<Record<VarName, string>>> {
  const vars: Partial<Record<VarName, string>> = {};
  const problems: string[] = [];
  for (const [name, value] of Object.entries(options)) {
    const entry = Object.hasOwn(OPTION_VARS, name) ? OPTION_VARS[name as keyof FediBffOptions] : undefined;
    if (entry === undefined) problems.push(`${name}: not an option of fedi-bff`);
    else if (value !== undefined) {
      const text = asText(value, entry[1]);
      if (text === null) problems.push(`${name}: ${EXPECTED[entry[1]]}`);
      else vars[entry[0]] = text;
    }
  }
  if (problems.length > 0) throw new TypeError(`fedi-bff options: ${problems.join("; ")}`);
  return vars;
}

const EXPECTED: Readonly<Record<Kind, string>> = {
  text: "must be a string",
  list: "must be a string or an array of strings without commas",
  spaced: "must be a string or an array of strings without spaces",
  seconds: "must be a number of seconds",
  flag: "must be true or false",
};

function asText(value: unknown, kind: Kind): string | null {
  switch (kind) {
    case "text":
      return typeof value === "string" ? value : null;
    case "seconds":
      // The number's text goes through SESSION_TTL's own check (a positive whole number).
      return typeof value === "number" ? String(value) : null;
    case "flag":
      return typeof value === "boolean" ? String(value) : null;
    case "list":
      return joined(value, ",");
    case "spaced":
      return joined(value, " ");
  }
}

function joined(value: unknown, separator: string): string | null {
  if (typeof value === "string") return value;
  if (!Array.isArray(value)) return null;
  const items: string[] = [];
  for (const item of value) {
    if (typeof item !== "string" || item.includes(separator)) return null;
    items.push(item);
  }
  return items.join(separator);
}

/**
 * The env fedi-bff reads: the Worker's env with the options' variables laid over it. One object per
 * Worker env (stable within an isolate), so the config parsed from it is parsed once.
 */
export function envWithOptions(vars: Readonly<Partial<Record<VarName, string>>>): (env: Env) => Env {
  if (Object.keys(vars).length === 0) return (env) => env;
  const merged = new WeakMap<Env, Env>();
  return (env) => {
    let result = merged.get(env);
    if (result === undefined) {
      result = { ...env, ...vars };
      merged.set(env, result);
    }
    return result;
  };
}
