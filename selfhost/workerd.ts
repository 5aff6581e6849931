/**
 * What a `workerd serve` of fedi-bff is made of, shared by the self-host command (selfhost/main.ts)
 * and the benchmark (bench/lib/): the production bundle as `wrangler deploy` builds it, the
 * compatibility settings of wrangler.toml, and the capnp text of the Worker and its services
 * (workerd's config schema: src/workerd/server/workerd.capnp in the workerd repository).
 */
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { basename, resolve } from "node:path";
import { promisify } from "node:util";
import { build } from "esbuild";
import type { HeaderRule } from "./front.ts";

const run = promisify(execFile);

/** The repository root. */
export const ROOT = resolve(new URL("..", import.meta.url).pathname);

/** The workerd that wrangler installed (node_modules/.bin/workerd). */
export const WORKERD = resolve(ROOT, "node_modules/.bin/workerd");

/**
 * The Durable Object namespace key of the self-hosted Registrar. Its files live under a folder of
 * this name in the data folder, and object ids are derived from it: never change it.
 */
export const REGISTRAR_UNIQUE_KEY = "fedi-bff-Registrar";

export interface Compat {
  readonly date: string;
  readonly flags: readonly string[];
}

/** compatibility_date and compatibility_flags of wrangler.toml: the runtime the code is written for. */
export function wranglerCompat(): Compat {
  const toml = readFileSync(resolve(ROOT, "wrangler.toml"), "utf8");
  const date = /^compatibility_date\s*=\s*"([^"]+)"/m.exec(toml)?.[1];
  const flags = /^compatibility_flags\s*=\s*\[([^\]]*)\]/m.exec(toml)?.[1] ?? "";
  if (date === undefined) throw new Error("wrangler.toml: no compatibility_date");
  return { date, flags: [...flags.matchAll(/"([^"]+)"/g)].map((m) => m[1] as string) };
}

/**
 * wrangler.toml's `[assets] directory`, absolute (relative paths are from wrangler.toml's folder);
 * null without an `[assets]` table. `[build]` makes it: `wrangler deploy --dry-run` runs it.
 */
export function wranglerAssetsDirectory(): string | null {
  const toml = readFileSync(resolve(ROOT, "wrangler.toml"), "utf8");
  const table = /^\[assets\][^\S\n]*\n([\s\S]*?)(?=^\[|(?![\s\S]))/m.exec(toml)?.[1];
  if (table === undefined) return null;
  const directory = /^directory\s*=\s*"([^"]+)"/m.exec(table)?.[1];
  if (directory === undefined) throw new Error("wrangler.toml: [assets] without a directory");
  return resolve(ROOT, directory);
}

/**
 * `wrangler deploy --dry-run --outdir <outdir>`: the bundle production gets, written to
 * `<outdir>/index.js`, without a Cloudflare account. Returns that path.
 */
export async function buildProductionBundle(
  outdir: string,
  wranglerArgs: readonly string[] = [],
  script: readonly string[] = [],
) {
  const wrangler = resolve(ROOT, "node_modules/wrangler/bin/wrangler.js");
  // `script` replaces wrangler.toml's main (the bench's mounted library); its output is named after it.
  const argv = [wrangler, "deploy", ...script, "--dry-run", "--outdir", outdir, ...wranglerArgs];
  await run(process.execPath, argv, {
    cwd: ROOT,
    env: { ...process.env, CI: "true", WRANGLER_SEND_METRICS: "false" },
    timeout: 120_000,
  });
  const [entry] = script;
  return resolve(outdir, entry === undefined ? "index.js" : `${basename(entry).replace(/\.ts$/, "")}.js`);
}

/** The module name of fedi-bff's bundle beside selfhost/one-origin.ts. */
const BUNDLE_MODULE = "fedi-bff-bundle.js";

/**
 * selfhost/one-origin.ts (with front.ts) as one ES module, `<outdir>/front.js`, importing fedi-bff's
 * bundle as the module beside it; returns that path.
 */
export async function buildFrontWorker(outdir: string): Promise<string> {
  const outfile = resolve(outdir, "front.js");
  await build({
    entryPoints: [resolve(ROOT, "selfhost/one-origin.ts")],
    external: [`./${BUNDLE_MODULE}`],
    bundle: true,
    format: "esm",
    platform: "neutral",
    target: "es2023",
    outfile,
    logLevel: "silent",
  });
  return outfile;
}

/** A capnp text literal. */
export const str = (value: string): string => JSON.stringify(value);

/** A text binding whose value is written into the config (never a secret outside the bench). */
export function textBinding(name: string, value: string): string {
  return `(name = ${str(name)}, text = ${str(value)})`;
}

/** A binding whose value workerd reads from its own environment at startup: no value in the file. */
export function environmentBinding(name: string): string {
  return `(name = ${str(name)}, fromEnvironment = ${str(name)})`;
}

/** The Registrar's binding in every copy of fedi-bff. */
export const REGISTRAR_BINDING = `(name = "REGISTRAR", durableObjectNamespace = (className = "Registrar"))`;

export interface BffWorker {
  /** The bundle, relative to the config file's folder (capnp `embed`). */
  readonly module: string;
  readonly compat: Compat;
  /** Every binding but REGISTRAR (vars, and on the bench KV and the rate limiter). */
  readonly bindings: readonly string[];
  readonly uniqueKey: string;
  /** `(inMemory = void)` or `(localDisk = "<disk service>")`. */
  readonly durableObjectStorage: string;
  readonly globalOutbound: string;
  /** With a frontend folder: the one-origin module (selfhost/one-origin.ts) in front of the bundle. */
  readonly front?: string;
}

/** fedi-bff's Worker (capnp `Worker` struct): the bundle, its bindings and the Registrar class. */
export function bffWorker(w: BffWorker): string {
  const bindings = [...w.bindings, REGISTRAR_BINDING];
  const modules = w.front
    ? [
        `(name = "front.js", esModule = embed ${str(w.front)})`,
        `(name = ${str(BUNDLE_MODULE)}, esModule = embed ${str(w.module)})`,
      ]
    : [`(name = "index.js", esModule = embed ${str(w.module)})`];
  return `(
    modules = [ ${modules.join(", ")} ],
    compatibilityDate = ${str(w.compat.date)},
    compatibilityFlags = [ ${w.compat.flags.map(str).join(", ")} ],
    bindings = [ ${bindings.join(",\n      ")} ],
    durableObjectNamespaces = [ (className = "Registrar", uniqueKey = ${str(w.uniqueKey)}, enableSql = true) ],
    durableObjectStorage = ${w.durableObjectStorage},
    globalOutbound = ${str(w.globalOutbound)},
  )`;
}

/**
 * The self-hosted Worker: no KV (the registry reads through the Registrar), no Rate Limiting
 * binding (the in-isolate window of src/http/rate-limit.ts), the Registrar on local disk.
 */
export function selfHostedWorker(w: {
  readonly module: string;
  readonly compat: Compat;
  readonly vars: readonly string[];
  readonly diskService: string;
  readonly globalOutbound: string;
  readonly uniqueKey?: string;
  /**
   * A frontend folder in front, in the same isolate (selfhost/one-origin.ts): its built module,
   * the folder's service and its `_headers` rules.
   */
  readonly frontend?: {
    readonly module: string;
    readonly files: string;
    readonly rules: readonly HeaderRule[];
  };
}): string {
  const frontend = w.frontend;
  return bffWorker({
    module: w.module,
    compat: w.compat,
    bindings: frontend
      ? [
          ...w.vars,
          `(name = "FILES", service = ${str(frontend.files)})`,
          `(name = "HEADERS", json = ${str(JSON.stringify(frontend.rules))})`,
        ]
      : w.vars,
    uniqueKey: w.uniqueKey ?? REGISTRAR_UNIQUE_KEY,
    durableObjectStorage: `(localDisk = ${str(w.diskService)})`,
    globalOutbound: w.globalOutbound,
    ...(frontend ? { front: frontend.module } : {}),
  });
}

/** A writable folder as a workerd service (the Durable Object storage). */
export function diskService(name: string, absolutePath: string): string {
  return `(name = ${str(name)}, disk = (path = ${str(absolutePath)}, writable = true))`;
}

/**
 * Outbound network for the global fetch: `allow` as workerd reads it ("public", "local",
 * "private", CIDR). DNS answers outside it count as no answer, so a public hostname that
 * resolves to a private address is refused at connect time (SSRF).
 */
export function networkService(name: string, allow: readonly string[]): string {
  return `(name = ${str(name)}, network = (allow = [ ${allow.map(str).join(", ")} ], tlsOptions = (trustBrowserCas = true)))`;
}

/** The frontend folder as a read-only workerd service (dotfiles hidden: workerd's default). */
export function assetsService(name: string, absolutePath: string): string {
  return `(name = ${str(name)}, disk = (path = ${str(absolutePath)}, writable = false))`;
}
