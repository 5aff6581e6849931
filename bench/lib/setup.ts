/**
 * Builds what a run serves: the production bundle exactly as `wrangler deploy` would upload it,
 * the session micro-benchmark bundle, and the workerd config; then starts the stub and workerd.
 */
import { execFile } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, relative, resolve } from "node:path";
import { promisify } from "node:util";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";
import { readFrontend } from "../../selfhost/frontend.ts";
import {
  buildFrontWorker,
  buildProductionBundle,
  ROOT,
  WORKERD,
  wranglerAssetsDirectory,
  wranglerCompat,
} from "../../selfhost/workerd.ts";
import { type Composition, composition } from "./bundle.ts";
import { type Stub, startStub, startWorkerd, type Workerd } from "./processes.ts";
import { type MintedSession, mintSession, mintSessions, newSessionKey, stubAccount } from "./session.ts";
import { SOCKETS, workerdConfig } from "./workerd-config.ts";

const run = promisify(execFile);

export { ROOT };

const OUT = resolve(ROOT, "bench/out");

/**
 * Sessions of a busy deployment: ten times the proxy's per-isolate memo of opened sessions, so
 * that sent round-robin nearly every request opens (decrypts) its cookie.
 */
export const MANY_SESSIONS = 10_000;

/** The library in front of a Hono app (`bff.wrap`), built by wrangler with the production settings of wrangler.toml. */
const MOUNTED = { script: "bench/workers/mounted.ts", name: "mounted" } as const;
const APP_ALONE = { script: "bench/workers/hono-app.ts", name: "hono-app" } as const;

export interface BundleSize {
  readonly raw: number;
  readonly gzip: number;
  /** Each source module's share of the minified output. */
  readonly composition: Composition;
}

export interface Setup {
  readonly stub: Stub;
  readonly workerd: Workerd;
  readonly workerdVersion: string;
  readonly bundle: BundleSize;
  /** The browser client, minified (src/client/). */
  readonly client: ClientSize;
  /** fedi-bff as a library in front of a Hono app (bench/workers/mounted.ts). */
  readonly mountedBundle: BundleSize;
  /** The same Hono app without fedi-bff (bench/workers/hono-app.ts). */
  readonly appBundle: BundleSize;
  readonly session: MintedSession;
  /** The Cookie headers of MANY_SESSIONS distinct sessions, all on the upstream stub. */
  readonly manySessions: readonly string[];
  readonly urls: {
    readonly direct: string;
    readonly pass: string;
    readonly newHead: string;
    /** new-head plus one open of the session cookie per request (bench/workers/new-head-open.js). */
    readonly newHeadOpen: string;
    readonly bff: string;
    readonly mounted: string;
    readonly bffNoKv: string;
    readonly bffLogin: string;
    /** The self-hosted configuration (selfhost/workerd.ts), a throughput target beside bff. */
    readonly self: string;
    readonly seal: string;
    readonly kvOps: string;
    readonly stubStats: string;
  };
}

/**
 * `wrangler deploy --dry-run --outdir bench/out/bff --metafile`: the bundle production gets, and
 * esbuild's account of which source module put how many bytes in it.
 */
export async function buildBundle(
  wranglerArgs: readonly string[] = [],
  entry?: { readonly script: string; readonly name: string },
): Promise<{ path: string; size: BundleSize }> {
  const outdir = resolve(OUT, entry?.name ?? "bff");
  const metafile = resolve(outdir, "bundle-meta.json");
  const script = entry === undefined ? [] : [entry.script];
  const path = await buildProductionBundle(outdir, ["--metafile", metafile, ...wranglerArgs], script);
  const file = basename(path);
  const code = readFileSync(path);
  return {
    path,
    size: {
      raw: statSync(path).size,
      gzip: gzipSync(code, { level: 9 }).length,
      composition: composition(metafile, file),
    },
  };
}

/** The browser client's size as a frontend's bundler ships it: minified, gzip -9. */
export interface ClientSize {
  readonly raw: number;
  readonly gzip: number;
}

/** Budget of the browser client (`fedi-bff/client`, src/client/index.ts): minified, gzip -9. */
export const CLIENT_BUDGET = 2.5 * 1024;

/** src/client/index.ts bundled and minified by esbuild for browsers, as a frontend would. */
export async function buildClient(): Promise<ClientSize> {
  const result = await build({
    entryPoints: [resolve(ROOT, "src/client/index.ts")],
    bundle: true,
    minify: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    write: false,
    logLevel: "silent",
  });
  const [output] = result.outputFiles;
  if (output === undefined) throw new Error("esbuild wrote no client bundle");
  mkdirSync(OUT, { recursive: true });
  writeFileSync(resolve(OUT, "client.min.js"), output.contents);
  return { raw: output.contents.length, gzip: gzipSync(output.contents, { level: 9 }).length };
}

async function buildSealBench(): Promise<string> {
  const outfile = resolve(OUT, "seal-bench.js");
  await build({
    entryPoints: [resolve(ROOT, "bench/workers/seal-bench.ts")],
    bundle: true,
    format: "esm",
    platform: "neutral",
    target: "es2023",
    mainFields: ["module", "main"],
    conditions: ["workerd", "worker", "browser"],
    outfile,
    logLevel: "silent",
  });
  return outfile;
}

export interface SetUpOptions {
  /** Extra `workerd serve` flags (the profiler adds `--inspector-addr`). */
  readonly workerdArgs?: readonly string[];
  /** Extra `wrangler deploy` flags (the profiler adds `--no-minify` for readable names). */
  readonly wranglerArgs?: readonly string[];
  /** V8 flags for workerd's isolates. */
  readonly v8Flags?: readonly string[];
  /** Where workerd's stdout goes (V8 traces); by default it is discarded. */
  readonly workerdStdout?: string;
}

export async function setUp({
  workerdArgs = [],
  wranglerArgs = [],
  v8Flags = [],
  workerdStdout,
}: SetUpOptions = {}): Promise<Setup> {
  mkdirSync(OUT, { recursive: true });
  const sessionKey = newSessionKey();
  const origin = (stub: Stub) => `http://127.0.0.1:${stub.upstreamPort}`;
  const stubStarted = startStub();
  // Minting runs on this process's core while wrangler builds in its own process.
  const [bundle, mounted, appAlone, client, sealModule, frontModule, stub, manySessions] = await Promise.all([
    buildBundle(wranglerArgs),
    buildBundle(wranglerArgs, MOUNTED),
    buildBundle(wranglerArgs, APP_ALONE),
    buildClient(),
    buildSealBench(),
    buildFrontWorker(resolve(OUT, "front")),
    stubStarted,
    stubStarted.then((s) => mintSessions(sessionKey, origin(s), MANY_SESSIONS)),
  ]);
  const upstreamOrigin = origin(stub);
  const session = await mintSession(sessionKey, stubAccount(upstreamOrigin));
  const compat = wranglerCompat();
  const configPath = resolve(OUT, "workerd.capnp");
  // The self-hosted copy starts with no registrations, like a fresh install.
  const selfHostDataDir = resolve(OUT, "self-host-data");
  rmSync(selfHostDataDir, { recursive: true, force: true });
  mkdirSync(selfHostDataDir, { recursive: true });
  // The frontend folder `npm run self-host` serves by default, which the bundle builds ran [build] for.
  const assetsDir = wranglerAssetsDirectory();
  if (assetsDir === null) throw new Error("wrangler.toml: no [assets] folder for the self-hosted target");
  const frontend = readFrontend({ dir: assetsDir, source: "wrangler.toml" }, selfHostDataDir);
  if (frontend.problems.length > 0) throw new Error(frontend.problems.join("\n"));
  const rel = (p: string) => relative(dirname(configPath), p);
  const config = workerdConfig({
    bffModule: rel(bundle.path),
    mountedModule: rel(mounted.path),
    sealModule: rel(sealModule),
    passModule: rel(resolve(ROOT, "bench/workers/pass-through.js")),
    newHeadModule: rel(resolve(ROOT, "bench/workers/new-head.js")),
    newHeadOpenModule: rel(resolve(ROOT, "bench/workers/new-head-open.js")),
    ratelimitModule: rel(resolve(ROOT, "bench/workers/ratelimit.js")),
    compatibilityDate: compat.date,
    compatibilityFlags: compat.flags,
    upstreamOrigin,
    kvAddress: `127.0.0.1:${stub.kvPort}`,
    sessionKey,
    sealedCookie: session.sealed,
    publicUrl: "https://bff.bench.invalid",
    v8Flags,
    selfHostDataDir,
    frontModule: rel(frontModule),
    assetsDir,
    assetsRules: frontend.rules,
  });
  writeFileSync(configPath, config, { mode: 0o600 });
  const workerd = await startWorkerd(WORKERD, configPath, SOCKETS, workerdArgs, workerdStdout);
  const { stdout: version } = await run(WORKERD, ["--version"]);
  const port = (name: string) => `http://127.0.0.1:${workerd.ports.get(name)}`;
  return {
    stub,
    workerd,
    workerdVersion: version.trim(),
    bundle: bundle.size,
    client,
    mountedBundle: mounted.size,
    appBundle: appAlone.size,
    session,
    manySessions,
    urls: {
      direct: upstreamOrigin,
      pass: port("pass"),
      newHead: port("new-head"),
      newHeadOpen: port("new-head-open"),
      bff: port("bff"),
      mounted: port("mounted"),
      bffNoKv: port("bff-nokv"),
      bffLogin: port("bff-login"),
      self: port("bff-self"),
      seal: port("seal"),
      kvOps: `http://127.0.0.1:${stub.kvPort}/__bench/ops`,
      stubStats: `${upstreamOrigin}/__bench/stats`,
    },
  };
}
