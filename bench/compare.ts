/**
 * `node bench/compare.ts --base <commit> [--rounds N] [--duration S] [--workloads many,one,post]`:
 * the proxy's hot path of an earlier commit and of this tree, side by side in one workerd process
 * against the new-head reference, alternated (new-head, base, this, new-head, base, this, …) on
 * the same loaded machine. Prints, per workload, the median over rounds of each bundle's req/s and
 * workerd CPU per request divided by new-head's in the same round, with min–max.
 *
 * The base commit's production bundle is built from `git archive` of it (with this tree's
 * node_modules) and served in the bench's `bff-nokv` slot, which has no KV binding: the proxy's
 * hot path needs none.
 */
import { execFileSync, execSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import { WORKERD } from "../selfhost/workerd.ts";
import { median, runLoad, type Workload } from "./lib/load.ts";
import { manySessionsTimeline, runProblems, workloads } from "./lib/phases.ts";
import { cpuMicros, killAllNow, startWorkerd, stopAll } from "./lib/processes.ts";
import { ROOT, setUp } from "./lib/setup.ts";
import { SOCKETS } from "./lib/workerd-config.ts";

const { values: args } = parseArgs({
  options: {
    base: { type: "string" },
    rounds: { type: "string", default: "5" },
    duration: { type: "string", default: "4" },
    workloads: { type: "string", default: "many,one,post" },
  },
});
const OUT = resolve(ROOT, "bench/out/compare");

/**
 * The base commit's bundle, built in a copy of its tree outside the project (so no checker of
 * this tree reads it) and removed afterwards; returns the bundle's path.
 */
function buildBase(commit: string): string {
  const tree = mkdtempSync(join(tmpdir(), "fedi-bff-compare-"));
  rmSync(OUT, { recursive: true, force: true });
  try {
    execSync(`git archive ${JSON.stringify(commit)} | tar -x -C ${JSON.stringify(tree)}`, { cwd: ROOT });
    symlinkSync(resolve(ROOT, "node_modules"), resolve(tree, "node_modules"));
    const wrangler = resolve(ROOT, "node_modules/wrangler/bin/wrangler.js");
    execFileSync(process.execPath, [wrangler, "deploy", "--dry-run", "--outdir", resolve(OUT, "bundle")], {
      cwd: tree,
      env: { ...process.env, CI: "true", WRANGLER_SEND_METRICS: "false" },
      stdio: "ignore",
    });
  } finally {
    // The link first, so that removing the copy can never reach this tree's node_modules.
    rmSync(resolve(tree, "node_modules"), { force: true });
    rmSync(tree, { recursive: true, force: true });
  }
  return resolve(OUT, "bundle/index.js");
}

const spread = (xs: number[]) =>
  `${median(xs).toFixed(3)} [${Math.min(...xs).toFixed(3)}–${Math.max(...xs).toFixed(3)}]`;

async function main(): Promise<void> {
  if (args.base === undefined) throw new Error("--base <commit> is required");
  const commit = execFileSync("git", ["rev-parse", "--short", args.base], { cwd: ROOT, encoding: "utf8" });
  console.error(`building ${commit.trim()} and this tree…`);
  const basePath = buildBase(args.base);
  const setup = await setUp();
  // The bench's config, with the base bundle in the KV-less slot, in a workerd of its own.
  const config = readFileSync(resolve(ROOT, "bench/out/workerd.capnp"), "utf8");
  const slot = /(\(name = "bff-nokv", worker = [\s\S]*?esModule = embed ")bff\/index\.js"/;
  if (!slot.test(config)) throw new Error("bench/out/workerd.capnp: no bff-nokv service to reuse");
  const configPath = resolve(ROOT, "bench/out/workerd-compare.capnp");
  const module = relative(dirname(configPath), basePath);
  writeFileSync(configPath, config.replace(slot, `$1${module}"`), { mode: 0o600 });
  const workerd = await startWorkerd(WORKERD, configPath, SOCKETS);
  const url = (socket: string) => `http://127.0.0.1:${workerd.ports.get(socket)}`;
  const [timeline, post] = workloads(setup);
  const all: Record<string, Workload | undefined> = {
    many: manySessionsTimeline(setup),
    one: timeline,
    post,
  };
  const targets = { "new-head": url("new-head"), base: url("bff-nokv"), this: url("bff") } as const;
  const options = { connections: 20, durationSeconds: Number(args.duration) };
  for (const name of (args.workloads ?? "").split(",")) {
    const workload = all[name];
    if (workload === undefined) throw new Error(`unknown workload ${name} (many, one, post)`);
    for (const target of Object.values(targets))
      await runLoad(target, workload, { ...options, durationSeconds: 1 });
    const runs: Record<keyof typeof targets, { rps: number; cpu: number }[]> = {
      "new-head": [],
      base: [],
      this: [],
    };
    for (let round = 1; round <= Number(args.rounds); round++) {
      for (const [target, base] of Object.entries(targets) as [keyof typeof targets, string][]) {
        const before = cpuMicros(workerd.pid);
        const result = await runLoad(base, workload, options);
        await new Promise((done) => setTimeout(done, 150));
        const cpu = (cpuMicros(workerd.pid) - before) / Math.max(result.requests, 1);
        console.error(
          `  ${name} round ${round} ${target.padEnd(8)} ${Math.round(result.rps)} req/s  ${cpu.toFixed(0)} µs/req${runProblems(result)}`,
        );
        runs[target].push({ rps: result.failures === 0 ? result.rps : Number.NaN, cpu });
      }
    }
    const ratio = (target: "base" | "this", key: "rps" | "cpu") =>
      runs[target]
        .map((r, i) => r[key] / (runs["new-head"][i] as { rps: number; cpu: number })[key])
        .filter((x) => Number.isFinite(x));
    console.log(
      `${workload.name}: ÷ new-head req/s base ${spread(ratio("base", "rps"))}, this ${spread(ratio("this", "rps"))}; CPU per request base ${spread(ratio("base", "cpu"))}, this ${spread(ratio("this", "cpu"))}`,
    );
  }
}

process.on("exit", killAllNow);
let code = 0;
try {
  await main();
} catch (error) {
  console.error(`compare broken: ${error instanceof Error ? error.message : String(error)}`);
  code = 2;
} finally {
  await stopAll();
}
process.exit(code);
