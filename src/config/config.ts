/**
 * Parses and validates the environment once per isolate. Every problem is collected and reported
 * together; a Worker with any problem answers 500 `misconfigured` (details in the log only).
 * Dev conveniences exist only with an explicit ENVIRONMENT=development (fail closed).
 */

import { BffError } from "../errors.ts";
import { type IpRange, parseIpRange, trustsTooMuch, WIDEST_PROXY_PREFIX } from "../http/client-ip.ts";
import { type HostPattern, parseHostList } from "../instance/policy.ts";
import { log } from "../log.ts";
import type { Env } from "./env.ts";
import { sameSite } from "./site.ts";
import { misspelledSettings } from "./variables.ts";

export interface Config {
  readonly development: boolean;
  /** Raw base64url session keys, first one encrypts. Empty only in development (ephemeral key). */
  readonly sessionKeys: readonly string[];
  /** The BFF's own origin; null in development when unset (the request origin is used). */
  readonly publicUrl: string | null;
  readonly appName: string;
  readonly appWebsite: string | null;
  readonly scopes: readonly string[];
  /** Session lifetime, seconds. */
  readonly sessionTtl: number;
  readonly insecureHosts: ReadonlySet<string>;
  readonly allowlist: readonly HostPattern[];
  readonly denylist: readonly HostPattern[];
  readonly frontendOrigins: ReadonlySet<string>;
  readonly proxyPrefixes: readonly string[];
  readonly publicProxy: boolean;
  /** Per upstream call: time allowed for the response head. */
  readonly upstreamTimeoutMs: number;
  /** Reverse proxies whose X-Forwarded-For names the client (self-hosted only; src/http/client-ip.ts). */
  readonly trustedProxies: readonly IpRange[];
  /** The operator's Bearer token for the admin routes; null: they answer 404 (src/admin/). */
  readonly adminToken: string | null;
}

/** The values ENVIRONMENT may take; unset means production. */
export const ENVIRONMENTS = ["production", "development"] as const;

const DEFAULT_SCOPES = ["read", "write", "push"];
const KNOWN_SCOPE = /^(read|write|push|follow|profile|admin)(:[a-z_:]+)?$/;
const DAY = 86_400;
const cache = new WeakMap<object, Config | BffError>();

/** The validated config for this env, or throws BffError("misconfigured"). */
export function loadConfig(env: Env): Config {
  let result = cache.get(env);
  if (result === undefined) {
    warnRetired(env);
    result = parseConfig(env);
    cache.set(env, result);
  }
  if (result instanceof BffError) throw result;
  return result;
}

/**
 * DEMO_PAGE is retired: the demo is a static frontend ([assets] in wrangler.toml), not a route of
 * the Worker. An env that still sets it keeps working; the log says once per isolate that it is ignored.
 */
function warnRetired(env: Env): void {
  if ((env as { DEMO_PAGE?: unknown }).DEMO_PAGE !== undefined) {
    log("warn", "setting_ignored", { setting: "DEMO_PAGE" });
  }
}

/**
 * Every problem with this env, in the words the log gives them; empty when the config is valid.
 * The self-host command (selfhost/) runs the same check in Node before it serves anything.
 */
export function configProblems(env: Env): string[] {
  return readConfig(env).problems;
}

function parseConfig(env: Env): Config | BffError {
  const { config, problems } = readConfig(env);
  if (problems.length > 0) {
    return new BffError("misconfigured", "fedi-bff is misconfigured; the operator must check its logs.", {
      internal: problems.join("; "),
    });
  }
  return config;
}

function readConfig(env: Env): { config: Config; problems: string[] } {
  const problems: string[] = [];
  const development = parseEnvironment(env.ENVIRONMENT, problems) === "development";
  const sessionKeys = parseSessionKeys(env.SESSION_KEYS, development, problems);
  const publicUrl = parsePublicUrl(env.PUBLIC_URL, development, problems);
  const scopes = parseScopes(env.SCOPES, problems);
  const sessionTtl = parseSeconds(env.SESSION_TTL, 30 * DAY, "SESSION_TTL", problems);
  const insecureHosts = parseInsecureHosts(env.ALLOW_INSECURE_INSTANCES, development, problems);
  const { allow, deny } = parseInstanceLists(env, insecureHosts, problems);
  const frontendOrigins = parseOrigins(env.FRONTEND_ORIGINS, development, publicUrl, problems);
  const proxyPrefixes = parsePrefixes(env.PROXY_PATH_PREFIXES, problems);
  const appWebsite = parseAppWebsite(env.APP_WEBSITE, development, problems);
  const upstreamTimeoutMs = 1000 * parseSeconds(env.UPSTREAM_TIMEOUT, 10, "UPSTREAM_TIMEOUT", problems);
  const publicProxy = parseFlag(env.PUBLIC_PROXY, "PUBLIC_PROXY", problems);
  const trustedProxies = parseTrustedProxies(env.TRUSTED_PROXIES, problems);
  problems.push(...misspelledSettings(Object.keys(env)));
  const adminToken = parseAdminToken(env.ADMIN_TOKEN, problems);
  const config: Config = {
    development,
    sessionKeys,
    publicUrl,
    appName: env.APP_NAME?.trim() || "fedi-bff",
    appWebsite,
    scopes,
    sessionTtl,
    insecureHosts,
    allowlist: allow.patterns,
    denylist: deny.patterns,
    frontendOrigins,
    proxyPrefixes,
    publicProxy,
    upstreamTimeoutMs,
    trustedProxies,
    adminToken,
  };
  return { config, problems };
}

/** What makes a session key, named in every SESSION_KEYS problem (the package's command, or the repository's script). */
const MAKE_KEY =
  "make one with `npx fedi-bff key --print`, in fedi-bff's repository `npm run -s key -- --print`";

/** ENVIRONMENT: unset means production; any value but the known ones is a typo, not production. */
function parseEnvironment(raw: string | undefined, problems: string[]): string {
  const value = raw?.trim() || "production";
  if (!(ENVIRONMENTS as readonly string[]).includes(value)) {
    problems.push(`ENVIRONMENT: "${value}" is not one of ${ENVIRONMENTS.join(", ")}`);
  }
  return value;
}

/**
 * APP_WEBSITE: where instance admins learn who runs this deployment. It is in every request
 * fedi-bff makes itself (the User-Agent) and on the instances' app records, so it is required
 * outside development.
 */
function parseAppWebsite(raw: string | undefined, development: boolean, problems: string[]): string | null {
  const value = raw?.trim() || null;
  if (value === null) {
    if (!development) {
      problems.push(
        "APP_WEBSITE: missing (a page that says who runs this deployment and how to reach them; instance admins see it)",
      );
    }
    return null;
  }
  if (!isHttpUrl(value)) problems.push("APP_WEBSITE: not an http(s) URL");
  return value;
}

/** The shortest ADMIN_TOKEN accepted (characters): a guessable one would open the admin routes. */
export const ADMIN_TOKEN_MIN = 32;

/** ADMIN_TOKEN: unset, or at least ADMIN_TOKEN_MIN visible ASCII characters (never quoted in a problem). */
function parseAdminToken(raw: string | undefined, problems: string[]): string | null {
  const value = raw?.trim() ?? "";
  if (value === "") return null;
  if (value.length < ADMIN_TOKEN_MIN || !/^[\x21-\x7e]+$/.test(value) || new Set(value).size < 10) {
    problems.push(
      `ADMIN_TOKEN: must be at least ${ADMIN_TOKEN_MIN} random visible characters (e.g. \`openssl rand -base64 32\`)`,
    );
    return null;
  }
  return value;
}

/** A switch: `true` or `false` (unset or empty: false); anything else is a problem. */
function parseFlag(raw: string | undefined, name: string, problems: string[]): boolean {
  const value = raw?.trim() ?? "";
  if (value === "" || value === "false") return false;
  if (value === "true") return true;
  problems.push(`${name}: must be true or false, not "${value}"`);
  return false;
}

/** TRUSTED_PROXIES: comma-separated addresses or CIDR ranges of the reverse proxies in front. */
function parseTrustedProxies(raw: string | undefined, problems: string[]): IpRange[] {
  const ranges: IpRange[] = [];
  for (const entry of list(raw)) {
    const range = parseIpRange(entry);
    if (range === null) problems.push(`TRUSTED_PROXIES: "${entry}" is not an IP address or CIDR range`);
    else if (trustsTooMuch(range)) {
      const { v4, v6 } = WIDEST_PROXY_PREFIX;
      problems.push(
        `TRUSTED_PROXIES: "${entry}" trusts nearly every address (every client could pick its own); name the proxies, no range wider than /${v4} (IPv4) or /${v6} (IPv6)`,
      );
    } else ranges.push(range);
  }
  return ranges;
}

/** SCOPES (space-separated), each a scope Mastodon knows; the defaults when unset. */
function parseScopes(raw: string | undefined, problems: string[]): string[] {
  const scopes = list(raw, " ");
  for (const scope of scopes) if (!KNOWN_SCOPE.test(scope)) problems.push(`SCOPES: unknown scope "${scope}"`);
  return scopes.length > 0 ? scopes : DEFAULT_SCOPES;
}

function parseInstanceLists(env: Env, insecureHosts: Config["insecureHosts"], problems: string[]) {
  // In development an allowlist may name a dev-allowed insecure host such as 127.0.0.1:3999.
  const allow = parseHostList(env.INSTANCE_ALLOWLIST, { insecureHosts });
  const deny = parseHostList(env.INSTANCE_DENYLIST, { insecureHosts });
  problems.push(...allow.problems.map((p) => `INSTANCE_ALLOWLIST: ${p}`));
  problems.push(...deny.problems.map((p) => `INSTANCE_DENYLIST: ${p}`));
  return { allow, deny };
}

function list(raw: string | undefined, separator: string | RegExp = ","): string[] {
  return (raw ?? "")
    .split(separator)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

const KEY_PATTERN = /^[A-Za-z0-9_-]{43}$/;

function parseSessionKeys(raw: string | undefined, development: boolean, problems: string[]): string[] {
  const keys = list(raw);
  if (keys.length === 0 && !development) {
    problems.push(
      `SESSION_KEYS: missing (on Cloudflare a secret: \`npx fedi-bff key --print | npx wrangler secret put SESSION_KEYS\`; self-hosted an environment variable; ${MAKE_KEY}; for local development, ENVIRONMENT=development)`,
    );
  }
  keys.forEach((key, i) => {
    // 43 base64url characters = 256 bits; anything else is a typo or a weak key.
    if (!KEY_PATTERN.test(key))
      problems.push(`SESSION_KEYS: key #${i + 1} is not 32 bytes of base64url (${MAKE_KEY})`);
    else if (new Set(key).size < 8) problems.push(`SESSION_KEYS: key #${i + 1} is not random (${MAKE_KEY})`);
  });
  return keys;
}

function parsePublicUrl(raw: string | undefined, development: boolean, problems: string[]): string | null {
  const value = raw?.trim();
  if (!value) {
    if (!development)
      problems.push(
        "PUBLIC_URL: missing (the BFF's own origin, e.g. https://bff.example.org; for local development, ENVIRONMENT=development)",
      );
    return null;
  }
  const origin = toOrigin(value);
  if (origin === null) problems.push("PUBLIC_URL: must be an origin such as https://bff.example.org");
  else if (!development && !origin.startsWith("https://"))
    problems.push("PUBLIC_URL: must be https (for a local http origin, set ENVIRONMENT=development)");
  return origin;
}

function parseSeconds(raw: string | undefined, fallback: number, name: string, problems: string[]): number {
  if (raw === undefined || raw.trim() === "") return fallback;
  const value = Number(raw.trim());
  if (!Number.isInteger(value) || value <= 0) {
    problems.push(`${name}: must be a positive whole number of seconds`);
    return fallback;
  }
  return value;
}

function parseInsecureHosts(raw: string | undefined, development: boolean, problems: string[]): Set<string> {
  const entries = list(raw).map((e) => e.toLowerCase());
  if (entries.length === 0) return new Set();
  if (!development) {
    problems.push("ALLOW_INSECURE_INSTANCES: only allowed with ENVIRONMENT=development");
    return new Set();
  }
  for (const entry of entries) {
    if (!/^[a-z0-9.-]+(:\d{1,5})?$/.test(entry) || entry === "true") {
      problems.push(`ALLOW_INSECURE_INSTANCES: "${entry}" is not host[:port] (a bare true is not accepted)`);
    }
  }
  return new Set(entries);
}

/**
 * FRONTEND_ORIGINS: https origins on the same site as PUBLIC_URL. SameSite=Lax cookies reach
 * fedi-bff only from its own site, so a frontend on another site could never be signed in.
 */
function parseOrigins(
  raw: string | undefined,
  development: boolean,
  publicUrl: string | null,
  problems: string[],
): Set<string> {
  const origins = new Set<string>();
  for (const entry of list(raw)) {
    const origin = toOrigin(entry);
    if (origin === null || origin !== entry.replace(/\/$/, "")) {
      problems.push(`FRONTEND_ORIGINS: "${entry}" is not an origin such as https://app.example.org`);
    } else if (!development && !origin.startsWith("https://")) {
      problems.push(`FRONTEND_ORIGINS: "${entry}" must be https (for local http, ENVIRONMENT=development)`);
    } else if (publicUrl !== null && !sameSite(origin, publicUrl)) {
      problems.push(
        `FRONTEND_ORIGINS: "${entry}" is not on the same site as PUBLIC_URL ${publicUrl}: fedi-bff's cookies would never be sent from it (serve the frontend from PUBLIC_URL's domain or a subdomain of it)`,
      );
    } else origins.add(origin);
  }
  return origins;
}

function parsePrefixes(raw: string | undefined, problems: string[]): string[] {
  const prefixes = list(raw);
  if (prefixes.length === 0) return ["/api/v1/", "/api/v2/"];
  for (const p of prefixes) {
    if (!/^\/api\/[a-z0-9_/-]*\/$/.test(p))
      problems.push(`PROXY_PATH_PREFIXES: "${p}" must look like /api/v1/`);
  }
  return prefixes;
}

function toOrigin(value: string): string | null {
  try {
    const url = new URL(value);
    if ((url.protocol !== "https:" && url.protocol !== "http:") || url.username || url.password) return null;
    if ((url.pathname !== "/" && url.pathname !== "") || url.search || url.hash) return null;
    return url.origin;
  } catch {
    return null;
  }
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === "https:" || url.protocol === "http:";
  } catch {
    return false;
  }
}
