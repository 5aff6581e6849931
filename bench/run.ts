/**
 * `npm run bench [-- --quick] [-- --rounds N --duration S --connections C]`: fedi-bff side by side
 * with the runtime's limits on this machine (docs/performance.md). Drives `workerd serve` directly
 * — `wrangler dev` puts a Node proxy in front of workerd that would hide the cost being measured —
 * on loopback only; every child process is stopped at the end.
 *
 * Full mode writes bench/results.json and exits 1 when a budget FAILs (a budget miss is a bug);
 * --quick (CI smoke) uses tiny durations, writes bench/out/results-quick.json and exits 0 unless
 * something is broken (a failed request, a process that does not start). Broken is always exit 2.
 * Its timed figures are printed without a verdict (too short to judge); sizes and counts are judged.
 *
 * `npm run bench -- --bundle-report [--top N]` only builds the production bundle and lists the
 * source modules and packages that take the most of it, and the browser client's size.
 */
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { compositionTable } from "./lib/bundle.ts";
import { manySessionsFigures, spreadOf, throughputFigures } from "./lib/figures.ts";
import { median, type RunResult, type Workload } from "./lib/load.ts";
import { opsPerSecond } from "./lib/micro.ts";
import {
  kvOps,
  kvTotal,
  loginStart,
  manySessionsTimeline,
  med,
  type Rounds,
  throughput,
  uploadThrough,
  workloads,
} from "./lib/phases.ts";
import { killAllNow, stopAll } from "./lib/processes.ts";
import { budgeted, type Figure, figure, fmt, table } from "./lib/report.ts";
import { mintSession, newSessionKey, realisticAccount } from "./lib/session.ts";
import {
  buildBundle,
  buildClient,
  CLIENT_BUDGET,
  type ClientSize,
  ROOT,
  type Setup,
  setUp,
} from "./lib/setup.ts";

const { values: args } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    rounds: { type: "string" },
    duration: { type: "string" },
    connections: { type: "string" },
    "bundle-report": { type: "boolean", default: false },
    top: { type: "string", default: "20" },
  },
});
const quick = args.quick === true;
/** Figures measured over time (throughput, CPU per request, latency), by name. */
const TIMED = /req\/s|CPU|p50/;
const settings = {
  mode: quick ? "quick" : "full",
  connections: Number(args.connections ?? 20),
  // autocannon's duration moves in whole seconds: 1 s is the shortest run.
  durationSeconds: Number(args.duration ?? (quick ? 1 : 5)),
  rounds: Number(args.rounds ?? (quick ? 1 : 7)),
  warmupSeconds: quick ? 0 : 2,
  // The full 64 MiB in quick mode too: it takes a fraction of a second, and a smaller body is sent
  // too fast for "first byte before half" to mean anything on a busy machine.
  uploadBytes: 64 * 1024 * 1024,
  sealOps: quick ? 500 : 5000,
};

const t0 = performance.now();
const log = (line: string) =>
  process.stderr.write(`[${((performance.now() - t0) / 1000).toFixed(1).padStart(5)} s] ${line}\n`);

function machine() {
  const cpu =
    /^model name\s*:\s*(.*)$/m.exec(readFileSync("/proc/cpuinfo", "utf8"))?.[1] ?? os.cpus()[0]?.model;
  const git = (argv: string[]) => execFileSync("git", argv, { cwd: ROOT, encoding: "utf8" }).trim();
  return {
    nproc: os.availableParallelism(),
    cpu,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    kernel: os.release(),
    node: process.version,
    commit: git(["rev-parse", "--short", "HEAD"]),
    dirty: git(["status", "--porcelain", "--", "src", "wrangler.toml", "package.json"]) !== "",
  };
}

/** `/api/v1/timelines/home` → `timeline home`, `/api/v1/statuses` → `statuses`. */
const label = (workload: Workload) =>
  workload.path.replace("/api/v1/", "").replace("timelines/", "timeline ");

/** The production bundle against its budget, and the modules that take the most of it. */
function bundleFigures(setup: Setup): Figure[] {
  const { raw, gzip, composition } = setup.bundle;
  const mounted = setup.mountedBundle;
  const added = mounted.gzip - setup.appBundle.gzip;
  const top = composition.modules
    .slice(0, 3)
    .map((m) => `${m.path} ${(m.share * 100).toFixed(1)} %`)
    .join(", ");
  const packages = composition.packages
    .slice(0, 4)
    .map((m) => `${m.path} ${(m.share * 100).toFixed(1)} %`)
    .join(", ");
  return [
    figure("bundle raw", raw, "bytes", fmt.kib(raw)),
    budgeted("bundle gzip", gzip, "bytes", fmt.kib(gzip), "≤ 40 KiB", gzip <= 40 * 1024),
    // Mounted, the host app brings its own Hono: the budget is on what fedi-bff adds to it.
    budgeted(
      "bundle gzip, mounted in a Hono app: fedi-bff's part (app with − app without)",
      added,
      "bytes",
      `${fmt.kib(added)} (${fmt.kib(mounted.gzip)} − ${fmt.kib(setup.appBundle.gzip)})`,
      "≤ 40 KiB",
      added <= 40 * 1024,
    ),
    clientFigure(setup.client),
    figure("bundle, largest modules (share of minified)", composition.modules[0]?.share ?? 0, "ratio", top),
    figure(
      "bundle, largest packages (share of minified)",
      composition.packages[0]?.share ?? 0,
      "ratio",
      packages,
    ),
  ];
}

/** The browser client (fedi-bff/client) as a frontend ships it, against its own budget. */
function clientFigure(client: ClientSize): Figure {
  return budgeted(
    "browser client (fedi-bff/client) gzip",
    client.gzip,
    "bytes",
    `${fmt.kib(client.gzip)} (${fmt.kib(client.raw)} minified)`,
    `≤ ${fmt.kib(CLIENT_BUDGET)}`,
    client.gzip <= CLIENT_BUDGET,
  );
}

async function measure(setup: Setup): Promise<{ figures: Figure[]; raw: Record<string, unknown> }> {
  const figures: Figure[] = [];
  const raw: Record<string, unknown> = {};
  const load = {
    connections: settings.connections,
    durationSeconds: settings.durationSeconds,
    rounds: settings.rounds,
    warmupSeconds: settings.warmupSeconds,
  };

  const kvBefore = await kvOps(setup);
  let proxied = 0;
  const all = workloads(setup);
  const oneSession: Rounds[] = [];
  for (const workload of all) {
    log(
      `throughput: ${workload.name}, c=${load.connections}, ${load.durationSeconds} s × ${load.rounds} rounds`,
    );
    const rounds = await throughput(setup, workload, load, log);
    proxied += rounds.bff.reduce((sum, r) => sum + r.requests, 0);
    raw[workload.name] = rounds;
    oneSession.push(rounds);
    figures.push(...throughputFigures(label(workload), rounds, true));
  }

  const many = manySessionsTimeline(setup);
  log(
    `throughput: ${many.name}, round-robin, c=${load.connections}, ${load.durationSeconds} s × ${load.rounds} rounds`,
  );
  const manyRounds = await throughput(setup, many, { ...load, targets: ["pass", "newHead", "bff"] }, log);
  proxied += manyRounds.bff.reduce((sum, r) => sum + r.requests, 0);
  raw[many.name] = manyRounds;
  const count = fmt.int(setup.manySessions.length);
  figures.push(...throughputFigures(`timeline, ${count} sessions`, manyRounds, false));
  const [timelineRounds] = oneSession;
  if (timelineRounds !== undefined)
    figures.push(...manySessionsFigures("timeline", timelineRounds, manyRounds, count));

  const [timeline] = all;
  if (timeline !== undefined) {
    const single = {
      ...load,
      connections: 1,
      durationSeconds: Math.min(load.durationSeconds, 2),
      targets: ["direct", "pass", "bff"] as const,
    };
    log(`latency, one connection: ${timeline.name}, ${single.durationSeconds} s × ${single.rounds} rounds`);
    const rounds = await throughput(setup, timeline, single, log);
    raw.singleConnection = rounds;
    proxied += rounds.bff.reduce((sum, r) => sum + r.requests, 0);
    const added = rounds.bff.map((r, i) => r.p50 - (rounds.pass[i] as RunResult).p50);
    figures.push(
      figure(
        "timeline, 1 connection: p50 direct / pass-through / fedi-bff",
        med(rounds.bff, "p50"),
        "ms",
        [rounds.direct, rounds.pass, rounds.bff].map((runs) => fmt.ms(med(runs, "p50"))).join(" / "),
      ),
    );
    figures.push(
      figure(
        "timeline, 1 connection: added p50 over pass-through",
        median(added),
        "ms",
        spreadOf(added, fmt.ms),
      ),
    );
  }

  log(`${fmt.mib(settings.uploadBytes)} upload: fedi-bff, then pass-through for reference`);
  const up = await uploadThrough(setup, "bff", settings.uploadBytes);
  const upPass = await uploadThrough(setup, "pass", settings.uploadBytes);
  raw.upload = { bff: up, pass: upPass };
  if (up.timing.status !== 202 || up.timing.bytes < settings.uploadBytes)
    throw new Error(`upload: ${JSON.stringify(up.timing)}`);
  proxied += 1;
  const kvProxy = kvTotal(await kvOps(setup)) - kvTotal(kvBefore);
  figures.push(
    budgeted(
      "KV operations per proxied request",
      kvProxy / proxied,
      "ops",
      `${kvProxy} in ${fmt.int(proxied)} requests`,
      "0",
      kvProxy === 0,
    ),
  );
  figures.push(await noKvCheck(setup));

  const mib = fmt.mib(settings.uploadBytes);
  const t = up.timing;
  figures.push(
    budgeted(
      `${mib} upload: upstream first byte vs client half sent`,
      t.upstreamFirstByteMs,
      "ms",
      `${fmt.ms(t.upstreamFirstByteMs)} vs ${fmt.ms(t.clientHalfSentMs)} (client done ${fmt.ms(t.clientDoneMs)})`,
      "first byte before half",
      t.upstreamFirstByteMs < t.clientHalfSentMs,
    ),
  );
  figures.push(
    figure(
      `${mib} upload: total time fedi-bff / pass-through`,
      t.responseMs,
      "ms",
      `${fmt.ms(t.responseMs)} / ${fmt.ms(upPass.timing.responseMs)}`,
    ),
  );
  figures.push(
    figure(
      `${mib} upload: workerd peak RSS (VmHWM) fedi-bff / pass-through`,
      up.peakRss,
      "bytes",
      `${fmt.mib(up.peakRss)} / ${fmt.mib(upPass.peakRss)} (+${fmt.mib(up.peakRss - up.rssBefore)} / +${fmt.mib(upPass.peakRss - upPass.rssBefore)} over RSS before${up.peakMeasured ? "" : "; peak not reset"})`,
    ),
  );

  log("login start on a cached instance");
  const login = await loginStart(setup, {
    ...load,
    rounds: Math.max(1, Math.min(load.rounds, 3)),
    sequentialLogins: quick ? 20 : 200,
  });
  raw.login = login;
  figures.push(
    figure(
      "login start (cached instance) req/s",
      med(login.runs, "rps"),
      "req/s",
      spreadOf(
        login.runs.map((r) => r.rps),
        fmt.int,
      ),
    ),
  );
  figures.push(
    figure(
      "login start p50 / p99",
      med(login.runs, "p50"),
      "ms",
      `${fmt.ms(med(login.runs, "p50"))} / ${fmt.ms(med(login.runs, "p99"))}`,
    ),
  );
  figures.push(
    budgeted(
      "KV reads per login start (cached)",
      login.kvReadsPerLogin,
      "reads",
      `${login.kvReadsPerLogin.toFixed(3)} (all KV ops ${login.kvOpsPerLogin.toFixed(3)}; ${quick ? 20 : 200} sequential)`,
      "≤ 1",
      login.kvReadsPerLogin <= 1,
    ),
  );

  log("session cookie open + validate in workerd");
  const open = await opsPerSecond(setup.urls.seal, "open", settings.sealOps, quick ? 1 : 5);
  const memo = await opsPerSecond(setup.urls.seal, "memo", settings.sealOps * 10, quick ? 1 : 5);
  figures.push(
    figure("session cookie open + validate (JWE decrypt)", open, "ops/s", `${fmt.int(open)} ops/s`),
  );
  figures.push(figure("session cookie memo hit (per-isolate)", memo, "ops/s", `${fmt.int(memo)} ops/s`));

  const sizeKey = newSessionKey();
  const realistic = await mintSession(sizeKey, realisticAccount());
  const cookieBytes = Buffer.byteLength(realistic.cookie);
  figures.push(
    budgeted(
      "session cookie size, one account (name=value)",
      cookieBytes,
      "bytes",
      `${cookieBytes} B`,
      "≤ 1,200 B",
      cookieBytes <= 1200,
    ),
  );
  figures.push(...bundleFigures(setup));
  raw.bundleModules = setup.bundle.composition.modules.slice(0, 25);
  raw.bundlePackages = setup.bundle.composition.packages;
  return { figures, raw };
}

/** The same bundle with no KV binding at all serves the proxy: the hot path cannot touch KV. */
async function noKvCheck(setup: Setup): Promise<Figure> {
  const n = quick ? 20 : 200;
  let ok = 0;
  for (let i = 0; i < n; i++) {
    const res = await fetch(`${setup.urls.bffNoKv}/api/v1/timelines/home`, {
      headers: { cookie: setup.session.cookie, "x-csrf": "1" },
    });
    await res.arrayBuffer();
    if (res.status === 200) ok++;
  }
  return budgeted(
    "proxy without any KV binding: answers 200",
    ok,
    "requests",
    `${ok} of ${n}`,
    "all",
    ok === n,
  );
}

async function main(): Promise<number> {
  const started = new Date();
  log(`fedi-bff benchmark (${settings.mode}): building and starting workerd…`);
  // Before the build: a tree with uncommitted src changes is recorded as dirty in the results.
  const host = machine();
  const setup = await setUp();
  log(`workerd pid ${setup.workerd.pid} (${setup.workerdVersion}), stub pid ${setup.stub.pid}`);
  const { figures, raw } = await measure(setup);
  const results = {
    date: started.toISOString(),
    command: `npm run bench${quick ? " -- --quick" : ""}`,
    machine: { ...host, workerd: setup.workerdVersion },
    settings,
    figures,
    raw,
  };
  const path = resolve(ROOT, quick ? "bench/out/results-quick.json" : "bench/results.json");
  writeFileSync(path, `${JSON.stringify(results, null, 2)}\n`);
  const m = results.machine;
  console.log(`\nfedi-bff benchmark, ${results.date} — ${m.nproc} × ${m.cpu}, Node ${m.node}, ${m.workerd}`);
  console.log(
    `c=${settings.connections}, ${settings.durationSeconds} s per run, ${settings.rounds} alternating rounds (direct, pass-through, new-head, fedi-bff, fedi-bff mounted, self-hosted)\n`,
  );
  // A --quick run is seconds long on a shared machine: its timings are indicative, never judged.
  // Sizes and counts (bundle, cookie, KV operations) are exact at any length and stay judged.
  const judged = quick
    ? figures.map((f) =>
        TIMED.test(f.name) && f.budget !== undefined
          ? { ...f, budget: `${f.budget} (full run only)`, pass: undefined }
          : f,
      )
    : figures;
  console.log(table(judged));
  const failed = judged.filter((f) => f.pass === false);
  console.log(
    `\n${failed.length === 0 ? "All budgets PASS." : `Budget FAIL: ${failed.map((f) => f.name).join("; ")}`}`,
  );
  console.log(`Written to ${path}`);
  return failed.length > 0 && !quick ? 1 : 0;
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    void stopAll().finally(() => process.exit(130));
  });
}
process.on("exit", killAllNow);

/** Builds the bundle only and prints what takes its bytes (and the browser client's size). */
async function bundleReport(): Promise<number> {
  const [{ size }, client] = await Promise.all([buildBundle(), buildClient()]);
  const top = Number(args.top);
  const c = size.composition;
  console.log(
    `bundle: ${fmt.kib(size.raw)} minified, ${fmt.kib(size.gzip)} gzip -9 (budget 40 KiB gzip); ${fmt.int(c.totalBytes)} B of it from source modules\n`,
  );
  console.log(
    `largest source modules (bytes in the minified output, share of it):\n${compositionTable(c.modules, top)}\n`,
  );
  console.log(`by package:\n${compositionTable(c.packages, top)}\n`);
  console.log(
    `browser client (fedi-bff/client, esbuild --minify): ${fmt.kib(client.raw)} minified, ${fmt.kib(client.gzip)} gzip -9 (budget ${fmt.kib(CLIENT_BUDGET)} gzip)`,
  );
  return 0;
}

let code = 2;
try {
  code = args["bundle-report"] === true ? await bundleReport() : await main();
} catch (error) {
  console.error(
    `benchmark broken: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
  );
} finally {
  await stopAll();
}
process.exit(code);
