/**
 * `fedi-bff check`: whether the Worker that `wrangler deploy` would deploy can serve — the
 * wrangler config as wrangler itself reads it (vars, bindings, flags, assets), checked with the
 * Worker's own configuration rules (src/config/config.ts) plus what only a deploy can get wrong.
 * Every problem at once, each naming its fix. SESSION_KEYS is a secret wrangler.toml cannot show:
 * the check assumes it is set (`npx wrangler secret list` tells).
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, extname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { FEDI_BFF_PATHS } from "../paths.ts";

/** What this check reads of wrangler's config (wrangler's `unstable_readConfig`). */
interface WranglerConfig {
  readonly name?: string;
  readonly compatibility_date?: string;
  readonly compatibility_flags?: readonly string[];
  readonly vars?: Readonly<Record<string, unknown>>;
  readonly kv_namespaces?: readonly { binding: string; id?: string }[];
  readonly durable_objects?: {
    bindings?: readonly { name: string; class_name: string; script_name?: string }[];
  };
  readonly migrations?: readonly {
    new_classes?: readonly string[];
    new_sqlite_classes?: readonly string[];
  }[];
  readonly ratelimits?: readonly { name: string }[];
  readonly r2_buckets?: readonly { binding: string }[];
  readonly d1_databases?: readonly { binding: string }[];
  readonly services?: readonly { binding: string }[];
  readonly assets?: { binding?: string; run_worker_first?: boolean | readonly string[] };
}

/** A well-formed stand-in for the SESSION_KEYS secret, so the rules check everything else. */
const STAND_IN_KEY = "c3RhbmQtaW4ga2V5OiBmZWRpLWJmZiBkZXBsb3kgY2g";
const FLAG = "global_fetch_strictly_public";

/** Every problem of the config at `configPath` (wrangler's default lookup when absent). */
export async function deploymentProblems(cwd: string, configPath?: string, env?: string): Promise<string[]> {
  let wrangler: { unstable_readConfig(args: object, options: object): WranglerConfig; path: string };
  try {
    const path = createRequire(join(cwd, "package.json")).resolve("wrangler");
    wrangler = { ...(await import(pathToFileURL(path).href)), path };
  } catch {
    return ["wrangler is not installed in this project: npm install -D wrangler@^4.156.2"];
  }
  let config: WranglerConfig;
  try {
    config = wrangler.unstable_readConfig({ config: configPath, env }, { hideWarnings: true });
  } catch (error) {
    return [`the wrangler config cannot be read: ${String((error as Error).message ?? error)}`];
  }
  return [
    ...(await settingsProblems(config)),
    ...bindingProblems(config),
    ...compatibilityProblems(config, wrangler.path),
    ...assetsProblems(config),
  ];
}

async function settingsProblems(config: WranglerConfig): Promise<string[]> {
  const problems: string[] = [];
  const vars: Record<string, unknown> = { ...(config.vars ?? {}) };
  const strings: Record<string, string> = {};
  for (const [name, value] of Object.entries(vars)) {
    if (typeof value === "string") strings[name] = value;
    else problems.push(`${name}: [vars] values are strings for fedi-bff; write "${String(value)}"`);
  }
  if (strings.SESSION_KEYS !== undefined) {
    problems.push(
      "SESSION_KEYS: in [vars] anyone who reads wrangler.toml has it; remove it and make it a secret: `npx fedi-bff key --print | npx wrangler secret put SESSION_KEYS`",
    );
  }
  if (strings.ENVIRONMENT?.trim() === "development") {
    problems.push(
      "ENVIRONMENT: development would be deployed; put it in .dev.vars (local only), not in [vars]",
    );
  }
  if (!strings.PUBLIC_URL?.trim()) {
    problems.push(
      `PUBLIC_URL: not set in [vars]; the https origin users will reach: https://${config.name ?? "<name>"}.<your-subdomain>.workers.dev (the subdomain is on the dashboard, Workers & Pages) or your own domain`,
    );
  }
  const bindings = Object.fromEntries(bindingNames(config).map((name) => [name, {}]));
  const env = { ...bindings, SESSION_KEYS: STAND_IN_KEY, ...strings };
  const rules = await configProblems();
  for (const problem of rules(env)) if (!problem.startsWith("PUBLIC_URL: missing")) problems.push(problem);
  return problems;
}

/** The Worker's own check, loaded by path: its types name Workers bindings Node does not know. */
async function configProblems(): Promise<(env: Record<string, unknown>) => string[]> {
  const here = fileURLToPath(import.meta.url);
  const module = (await import(
    pathToFileURL(join(dirname(here), `../config/config${extname(here)}`)).href
  )) as {
    configProblems(env: Record<string, unknown>): string[];
  };
  return module.configProblems;
}

function bindingNames(config: WranglerConfig): string[] {
  return [
    ...(config.kv_namespaces ?? []).map((b) => b.binding),
    ...(config.durable_objects?.bindings ?? []).map((b) => b.name),
    ...(config.ratelimits ?? []).map((b) => b.name),
    ...(config.r2_buckets ?? []).map((b) => b.binding),
    ...(config.d1_databases ?? []).map((b) => b.binding),
    ...(config.services ?? []).map((b) => b.binding),
    ...(config.assets?.binding === undefined ? [] : [config.assets.binding]),
  ];
}

function bindingProblems(config: WranglerConfig): string[] {
  const problems: string[] = [];
  const kv = config.kv_namespaces?.find((b) => b.binding === "APPS");
  if (kv === undefined) {
    problems.push('APPS: no [[kv_namespaces]] binding named APPS; add one (binding = "APPS", id = …)');
  } else if (!kv.id || /^0+$/.test(kv.id)) {
    problems.push(
      "APPS: the KV id is the placeholder; run `npx wrangler kv namespace create APPS` and paste its id into the config",
    );
  }
  const registrar = config.durable_objects?.bindings?.find((b) => b.name === "REGISTRAR");
  if (
    registrar === undefined ||
    registrar.class_name !== "Registrar" ||
    registrar.script_name !== undefined
  ) {
    problems.push(
      'REGISTRAR: no [[durable_objects.bindings]] with name = "REGISTRAR" and class_name = "Registrar" (exported by your main module: `export { Registrar } from "fedi-bff"`)',
    );
  }
  const migrated = (config.migrations ?? []).some(
    (m) => m.new_sqlite_classes?.includes("Registrar") || m.new_classes?.includes("Registrar"),
  );
  if (!migrated) {
    problems.push(
      'Registrar: no [[migrations]] creates it; add tag = "v1", new_sqlite_classes = ["Registrar"]',
    );
  }
  return problems;
}

function compatibilityProblems(config: WranglerConfig, wranglerPath: string): string[] {
  const problems: string[] = [];
  if (!config.compatibility_flags?.includes(FLAG)) {
    problems.push(
      `compatibility_flags: add "${FLAG}" (a fetch to a host on your own zone then goes through Cloudflare's front door, not straight to your origin)`,
    );
  }
  const date = config.compatibility_date;
  const newest = workerdDate(wranglerPath);
  if (date === undefined)
    problems.push('compatibility_date: not set; use "2026-11-01" (what fedi-bff is tested with)');
  else if (newest !== null && date > newest) {
    problems.push(
      `compatibility_date: ${date} is newer than this wrangler's runtime knows (${newest}); npm install -D wrangler@^4.156.2`,
    );
  }
  return problems;
}

/** The newest compatibility date the installed wrangler's workerd supports (its version holds it). */
function workerdDate(wranglerPath: string): string | null {
  try {
    const file = createRequire(wranglerPath).resolve("workerd/package.json");
    const version = (JSON.parse(readFileSync(file, "utf8")) as { version: string }).version;
    const match = /^\d+\.(\d{4})(\d{2})(\d{2})/.exec(version);
    return match === null ? null : `${match[1]}-${match[2]}-${match[3]}`;
  } catch {
    return null;
  }
}

/** With static assets, fedi-bff's paths must always run the Worker, never get index.html. */
function assetsProblems(config: WranglerConfig): string[] {
  const first = config.assets?.run_worker_first;
  if (config.assets === undefined || first === true) return [];
  const listed = Array.isArray(first) ? first : [];
  return FEDI_BFF_PATHS.filter((prefix) => !listed.includes(`${prefix}*`) && !listed.includes("/*")).map(
    (prefix) =>
      `[assets] run_worker_first: add "${prefix}*" (fedi-bff's path; without it a browser navigation there gets your index.html)`,
  );
}
