/**
 * The self-hosted server's settings, all from environment variables: the Worker's vars and
 * secrets under their wrangler names (checked by the Worker's own src/config/config.ts, so the
 * rules are the same), plus where to listen and where the data lives. Every problem is collected
 * and reported together; with any problem nothing is built or served.
 */
import { isAbsolute, resolve } from "node:path";
import { FEDI_BFF_VARIABLES, misspelledSettings, RETIRED_SETTINGS } from "../src/config/variables.ts";
import { isIpv4, parseIpv6 } from "../src/http/client-ip.ts";
import { type Frontend, parseAssetsDir, readFrontend } from "./frontend.ts";

/**
 * The Worker's own check (src/config/config.ts). Loaded by a computed specifier: its types name
 * Workers bindings (KVNamespace…) that this Node program's typecheck does not know.
 */
const CONFIG_MODULE = "../src/config/config.ts";
const { configProblems } = (await import(CONFIG_MODULE)) as {
  configProblems(env: Readonly<Record<string, string | undefined>>): string[];
};

/**
 * The Worker's vars and secrets, by the names wrangler uses (the one list: src/config/variables.ts).
 * Each one set in the environment becomes a binding that workerd reads from its own environment
 * (fromEnvironment): the generated config names them and holds no value.
 */
export const WORKER_VARIABLES = FEDI_BFF_VARIABLES;

/** The self-hosted server's own settings, beside the Worker's. */
export const SERVER_VARIABLES = ["PORT", "LISTEN_ADDRESS", "DATA_DIR", "ASSETS_DIR", "ADMIN_PORT"] as const;

export const DEFAULT_PORT = 8787;
export const DEFAULT_LISTEN_ADDRESS = "127.0.0.1";
export const DEFAULT_DATA_DIR = "data";
/** The admin listener's port when ADMIN_TOKEN is set and ADMIN_PORT is not. */
export const DEFAULT_ADMIN_PORT = 8788;
/** The admin listener's address: loopback only, whatever LISTEN_ADDRESS says. */
export const ADMIN_LISTEN_ADDRESS = "127.0.0.1";

export interface SelfHostSettings {
  /** The socket address for workerd: `127.0.0.1:8787`, `[::1]:8787`, `*:8787`. */
  readonly socketAddress: string;
  readonly port: number;
  /** Absolute. */
  readonly dataDir: string;
  /** The Worker variables set in the environment (passed to workerd by name). */
  readonly variables: readonly string[];
  readonly development: boolean;
  /** The frontend folder served beside fedi-bff (selfhost/frontend.ts); null: fedi-bff alone. */
  readonly frontend: Frontend | null;
  /**
   * The loopback admin listener (`127.0.0.1:ADMIN_PORT`) for the admin routes and the metrics,
   * when ADMIN_TOKEN is set; null otherwise (the admin routes then do not exist).
   */
  readonly adminSocketAddress: string | null;
}

/** The settings, or every problem with them. */
export function readSettings(
  environment: Readonly<Record<string, string | undefined>>,
  cwd: string,
): { readonly settings: SelfHostSettings | null; readonly problems: readonly string[] } {
  const variables = WORKER_VARIABLES.filter((name) => environment[name] !== undefined);
  const vars = Object.fromEntries(variables.map((name) => [name, environment[name]]));
  const problems = configProblems(vars);
  // A misspelled name never reaches the check above: it is caught here, among every variable set.
  const known = [...WORKER_VARIABLES, ...SERVER_VARIABLES, ...RETIRED_SETTINGS];
  problems.push(...misspelledSettings(Object.keys(environment), known));
  const development = vars.ENVIRONMENT?.trim() === "development";
  const port = parsePort(environment.PORT, problems);
  const listen = parseListenAddress(environment.LISTEN_ADDRESS, development, problems);
  const dataDir = parseDataDir(environment.DATA_DIR, cwd, problems);
  const frontend = parseAssetsDir(environment.ASSETS_DIR, cwd, problems);
  const adminPort = parseAdminPort(environment.ADMIN_PORT, vars.ADMIN_TOKEN, port, problems);
  // wrangler.toml's folder is built with the bundle and checked then; a folder set here must be ready.
  if (frontend?.source === "ASSETS_DIR") problems.push(...readFrontend(frontend, dataDir).problems);
  if (problems.length > 0) return { settings: null, problems };
  return {
    settings: {
      socketAddress: `${listen}:${port}`,
      port,
      dataDir,
      variables,
      development,
      frontend,
      adminSocketAddress: adminPort === null ? null : `${ADMIN_LISTEN_ADDRESS}:${adminPort}`,
    },
    problems,
  };
}

/** PORT: 0–65535 (0: any free port, reported at startup); 8787 when unset. */
function parsePort(raw: string | undefined, problems: string[]): number {
  const value = raw?.trim() ?? "";
  if (value === "") return DEFAULT_PORT;
  const port = /^\d{1,5}$/.test(value) ? Number(value) : Number.NaN;
  if (!(port >= 0 && port <= 65535)) {
    problems.push(`PORT: "${value}" is not a port number (0–65535)`);
    return DEFAULT_PORT;
  }
  return port;
}

/**
 * ADMIN_PORT: the loopback admin listener's port (DEFAULT_ADMIN_PORT when unset), only with
 * ADMIN_TOKEN (the admin routes need it); null without ADMIN_TOKEN.
 */
function parseAdminPort(
  raw: string | undefined,
  adminToken: string | undefined,
  publicPort: number,
  problems: string[],
): number | null {
  const value = raw?.trim() ?? "";
  if (!adminToken?.trim()) {
    if (value !== "") problems.push("ADMIN_PORT: set, but ADMIN_TOKEN is not (the admin routes need it)");
    return null;
  }
  if (value === "") return DEFAULT_ADMIN_PORT;
  const port = /^\d{1,5}$/.test(value) ? Number(value) : Number.NaN;
  if (!(port >= 1 && port <= 65535)) {
    problems.push(`ADMIN_PORT: "${value}" is not a port number (1–65535)`);
    return null;
  }
  if (port === publicPort) problems.push(`ADMIN_PORT: ${port} is PORT too; give the admin listener its own`);
  return port;
}

const LOOPBACK = new Set(["127.0.0.1", "::1", "localhost"]);

/**
 * LISTEN_ADDRESS: an IPv4 or IPv6 address, `localhost`, or `*` (every interface); 127.0.0.1 when
 * unset (a TLS reverse proxy on the same machine is the expected front). Development mode, with
 * its conveniences, listens on loopback only.
 */
function parseListenAddress(raw: string | undefined, development: boolean, problems: string[]): string {
  const value = raw?.trim() || DEFAULT_LISTEN_ADDRESS;
  const bare = value.replace(/^\[(.*)\]$/, "$1");
  let address: string | null = null;
  if (value === "*" || bare === "localhost" || isIpv4(bare)) address = bare;
  else if (parseIpv6(bare) !== null) address = `[${bare}]`;
  if (address === null) {
    problems.push(`LISTEN_ADDRESS: "${value}" is not an IP address, localhost or *`);
    return DEFAULT_LISTEN_ADDRESS;
  }
  if (development && !LOOPBACK.has(bare)) {
    problems.push(`LISTEN_ADDRESS: "${value}" with ENVIRONMENT=development (only loopback is allowed)`);
  }
  return address;
}

/** DATA_DIR: where registrations, the bundle and the generated config live; `data` when unset. */
function parseDataDir(raw: string | undefined, cwd: string, problems: string[]): string {
  const value = raw?.trim() || DEFAULT_DATA_DIR;
  if (value.includes("\n") || value.includes('"')) {
    problems.push("DATA_DIR: a path without quotes or line breaks, please");
    return resolve(cwd, DEFAULT_DATA_DIR);
  }
  return isAbsolute(value) ? value : resolve(cwd, value);
}
