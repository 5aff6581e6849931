/**
 * `npm run bench [-- --quick] [-- --rounds N --duration S --connections C]`: fedi-bff side by side
 * with the runtime's limits on this machine (docs/performance.md). Drives `workerd serve` directly
 * — `wrangler dev` puts a Node proxy in front of workerd that would hide the cost being measured —
 * on loopback only; every child process is stopped at the end.
 *
 * Full mode writes bench/results.json, ends with a verdict per budget (PASS, FAIL, or NO VERDICT
 * when no round was complete) and exits 1 unless every budget PASSes (a budget miss is a bug).
 * A load-generator timeout or error is counted and reported per target, never a crash: a budget is
 * judged only on rounds whose every target answered every request. The added-p50 budget is judged
 * on runs at one fixed offered rate (half the slowest saturated req/s of the round), where the
 * runtime is not queueing; at saturation the p50 is about connections ÷ req/s and is only reported.
 * --quick (CI smoke) uses tiny durations, marks every figure indicative, prints no verdict, writes
 * bench/out/results-quick.json and exits 0 unless something is broken (exit 2, in both modes: a
 * process that does not start, or an answer with an unexpected status — the code under test
 * answered wrongly).
 * --summary prints no progress and, unless something is broken, one closing line instead of the
 * table (CI); the files are written as always.
 * --inject-timeout makes the stub hold a few answers past the load generator's timeout (1 s), to
 * show that such a run completes and reports them.
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
import { manySessionsFigures, throughputFigures } from "./lib/figures.ts";
import { FIXED_LOAD_SHARE, NAMES, problemFigure, spreadOf } from "./lib/judging.ts";
import { median, type RunResult, type Workload } from "./lib/load.ts";
import { loginStart } from "./lib/login.ts";
import { opsPerSecond } from "./lib/micro.ts";
import {
  kvOps,
  kvTotal,
  manySessionsTimeline,
  med,
  onlyComplete,
  type Rounds,
  type Target,
  type Throughput,
  throughput,
  workloads,
} from "./lib/phases.ts";
import { killAllNow, stopAll } from "./lib/processes.ts";
import { budgeted, type Figure, figure, fmt, table, verdictLines } from "./lib/report.ts";
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
import { uploadThrough } from "./lib/upload.ts";

const { values: args } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    rounds: { type: "string" },
    duration: { type: "string" },
    connections: { type: "string" },
    "bundle-report": { type: "boolean", default: false },
    "inject-timeout": { type: "boolean", default: false },
    summary: { type: "boolean", default: false },
    top: { type: "string", default: "20" },
  },
});
const quick = args.quick === true;
/** --summary: no progress lines and, unless something is broken, one closing line instead of the table. */
const summary = args.summary === true;
const injectTimeout = args["inject-timeout"] === true;
const settings = {
  mode: quick ? "quick" : "full",
  connections: Number(args.connections ?? 20),
  // autocannon's duration moves in whole seconds: 1 s is the shortest run; an injected timeout
  // (1 s) needs a run that outlasts it.
  durationSeconds: Math.max(Number(args.duration ?? (quick ? 1 : 5)), injectTimeout ? 2 : 1),
  injectTimeout,
  rounds: Number(args.rounds ?? (quick ? 1 : 7)),
  warmupSeconds: quick ? 0 : 2,
  // The latency budget's runs, at one fixed offered rate after the saturated runs of a round: the
  // first 5 rounds, 2 s each (a quick run: 1 round of 0.5 s).
  fixedLoad: {
    rounds: Math.min(Number(args.rounds ?? (quick ? 1 : 7)), 5),
    durationSeconds: quick ? 0.5 : Math.min(Number(args.duration ?? 5), 2),
    share: FIXED_LOAD_SHARE,
  },
  // The full 64 MiB in quick mode too: it takes a fraction of a second, and a smaller body is sent
  // too fast for "first byte before half" to mean anything on a busy machine.
  uploadBytes: 64 * 1024 * 1024,
  sealOps: quick ? 500 : 5000,
};

const t0 = performance.now();
const log = (line: string) => {
  if (!summary)
    process.stderr.write(`[${((performance.now() - t0) / 1000).toFixed(1).padStart(5)} s] ${line}\n`);
};

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

/** Runs one part of the benchmark; a part that throws becomes a figure with no verdict, never a lost run. */
async function phase(figures: Figure[], name: string, run: () => Promise<void>): Promise<void> {
  try {
    await run();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    log(`${name}: could not be measured: ${reason}`);
    figures.push(budgeted(`${name}: could not be measured`, Number.NaN, "", reason, "measured", null));
  }
}

/** With --inject-timeout: the stub holds a few timeline answers past the load generator's timeout. */
const INJECTED = { count: 5, holdMs: 2500, timeoutSeconds: 1 } as const;

/** Answers with a status the workload does not expect, over every target and round of `rounds`. */
const unexpectedIn = (rounds: Rounds) =>
  Object.values(rounds).reduce((n, runs) => n + runs.reduce((m, r) => m + r.unexpected, 0), 0);

/** The same over a workload's saturated and fixed-load runs. */
const unexpectedOf = (measured: Throughput) =>
  unexpectedIn(measured.saturated) + (measured.fixed === undefined ? 0 : unexpectedIn(measured.fixed.rounds));

/** Requests fedi-bff (as on Cloudflare) answered in a workload's runs: the KV figure's denominator. */
const proxiedBy = (measured: Throughput) =>
  [...measured.saturated.bff, ...(measured.fixed?.rounds.bff ?? [])].reduce((sum, r) => sum + r.requests, 0);

async function measure(
  setup: Setup,
): Promise<{ figures: Figure[]; raw: Record<string, unknown>; unexpected: number }> {
  let unexpected = 0;
  const headline: Figure[] = [];
  const figures: Figure[] = [];
  const raw: Record<string, unknown> = {};
  const load = {
    connections: settings.connections,
    durationSeconds: settings.durationSeconds,
    rounds: settings.rounds,
    warmupSeconds: settings.warmupSeconds,
    fixed: settings.fixedLoad,
    ...(settings.injectTimeout ? { timeoutSeconds: INJECTED.timeoutSeconds } : {}),
  };

  const kvBefore = await kvOps(setup);
  let proxied = 0;
  const all = workloads(setup);
  const oneSession: Rounds[] = [];
  for (const [index, workload] of all.entries()) {
    await phase(figures, label(workload), async () => {
      log(`throughput: ${workload.name}, ${loadLine(load)}`);
      const inject = settings.injectTimeout && index === 0;
      const measured = await throughput(
        setup,
        workload,
        { ...load, ...(inject ? { beforeRun: holdAnswers(setup) } : {}) },
        log,
      );
      proxied += proxiedBy(measured);
      unexpected += unexpectedOf(measured);
      raw[workload.name] = measured;
      oneSession.push(measured.saturated);
      figures.push(...throughputFigures(label(workload), measured, true));
    });
  }

  // The headline: a busy deployment, where nearly every request opens its cookie.
  const many = manySessionsTimeline(setup);
  await phase(headline, `timeline, ${fmt.int(setup.manySessions.length)} sessions`, async () => {
    log(`throughput: ${many.name}, round-robin, ${loadLine(load)}`);
    // new-head-open, the floor for a proxy that opens an encrypted cookie per request, only here:
    // elsewhere it would be new-head plus a decrypt nothing else measures.
    const targets = ["pass", "newHead", "newHeadOpen", "bff", "mounted", "self"] as const;
    const manyMeasured = await throughput(setup, many, { ...load, targets }, log);
    proxied += proxiedBy(manyMeasured);
    unexpected += unexpectedOf(manyMeasured);
    raw[many.name] = manyMeasured;
    const count = fmt.int(setup.manySessions.length);
    headline.push(...throughputFigures(`timeline, ${count} sessions`, manyMeasured, true));
    const [timelineRounds] = oneSession;
    if (timelineRounds !== undefined)
      headline.push(...manySessionsFigures("timeline", timelineRounds, manyMeasured.saturated, count));
  });

  const [timeline] = all;
  if (timeline !== undefined) {
    await phase(figures, "timeline, 1 connection", async () => {
      const { fixed: _, ...saturatedOnly } = load;
      const single = {
        ...saturatedOnly,
        connections: 1,
        durationSeconds: Math.min(load.durationSeconds, 2),
        targets: ["direct", "pass", "bff"] as const,
      };
      log(`latency, one connection: ${timeline.name}, ${single.durationSeconds} s × ${single.rounds} rounds`);
      const { saturated: all } = await throughput(setup, timeline, single, log);
      raw.singleConnection = all;
      unexpected += unexpectedIn(all);
      proxied += all.bff.reduce((sum, r) => sum + r.requests, 0);
      const rounds = onlyComplete(all);
      const added = rounds.bff.map((r, i) => r.p50 - (rounds.pass[i] as RunResult).p50);
      figures.push(problemFigure("timeline, 1 connection", all));
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
          added.length === 0 ? "no complete round" : spreadOf(added, fmt.ms),
        ),
      );
    });
  }

  await phase(figures, `${fmt.mib(settings.uploadBytes)} upload`, async () => {
    const figuresOfUpload = await uploads(setup);
    proxied += figuresOfUpload.proxied;
    raw.upload = figuresOfUpload.raw;
    figures.push(...figuresOfUpload.figures);
  });
  await phase(figures, "KV operations per proxied request", async () => {
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
  });

  await phase(figures, "login start", async () => {
    log("login start on a cached instance");
    const login = await loginStart(setup, {
      ...load,
      rounds: Math.max(1, Math.min(load.rounds, 3)),
      sequentialLogins: quick ? 20 : 200,
    });
    raw.login = login;
    const runs = login.runs.filter((r) => r.failures === 0);
    const lost = login.runs.reduce((n, r) => n + r.timeouts + r.errors + r.unexpected, 0);
    figures.push(
      figure(
        "login start (cached instance) req/s",
        med(runs, "rps"),
        "req/s",
        runs.length === 0
          ? "no complete round"
          : `${spreadOf(
              runs.map((r) => r.rps),
              fmt.int,
            )}${lost > 0 ? ` (${lost} timeouts/errors/unexpected in ${login.runs.length - runs.length} incomplete rounds)` : ""}`,
      ),
    );
    figures.push(
      figure(
        "login start p50 / p99",
        med(runs, "p50"),
        "ms",
        `${fmt.ms(med(runs, "p50"))} / ${fmt.ms(med(runs, "p99"))}`,
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
  });

  await phase(figures, "session cookie", async () => {
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
  });
  figures.push(...bundleFigures(setup));
  raw.bundleModules = setup.bundle.composition.modules.slice(0, 25);
  raw.bundlePackages = setup.bundle.composition.packages;
  return { figures: [...headline, ...figures], raw, unexpected };
}

/** The load settings of a workload, for the progress log. */
const loadLine = (load: { connections: number; durationSeconds: number; rounds: number }) => {
  const f = settings.fixedLoad;
  return `c=${load.connections}, ${load.durationSeconds} s × ${load.rounds} rounds; then at a fixed load (${f.share * 100} % of the slowest saturated) ${f.durationSeconds} s × ${f.rounds} rounds`;
};

/**
 * The stub holds a few answers of round 1's fedi-bff runs (saturated and at a fixed load) past the
 * load generator's timeout.
 */
function holdAnswers(setup: Setup): (target: Target, round: number) => Promise<void> {
  return async (target, round) => {
    if (target !== "bff" || round !== 1) return;
    const url = setup.urls.stubStats.replace("/stats", `/hang?count=${INJECTED.count}&ms=${INJECTED.holdMs}`);
    await (await fetch(url)).arrayBuffer();
    log(`injected: the stub holds the next ${INJECTED.count} timeline answers for ${INJECTED.holdMs} ms`);
  };
}

/** Flat memory: a streamed 64 MiB body may grow workerd's peak RSS by at most this much. */
const UPLOAD_RSS_BUDGET = 16 * 1024 * 1024;

/**
 * The large upload, with its length and chunked, through every fedi-bff target and the
 * pass-through: the instance's first byte before the client has sent half (streamed, not
 * buffered), and workerd's peak memory nearly flat.
 */
async function uploads(setup: Setup): Promise<{ figures: Figure[]; raw: unknown; proxied: number }> {
  const mib = fmt.mib(settings.uploadBytes);
  const out: Figure[] = [];
  const raw: Record<string, unknown> = {};
  let proxied = 0;
  for (const chunked of [false, true]) {
    const mode = chunked ? "chunked" : "with length";
    log(`${mib} upload ${mode}: pass-through, fedi-bff, mounted, self-hosted`);
    const pass = await uploadThrough(setup, "pass", settings.uploadBytes, chunked);
    raw[`pass ${mode}`] = pass;
    for (const target of ["bff", "mounted", "self"] as const) {
      const name = `${mib} upload ${mode}, ${NAMES[target]}`;
      let up: Awaited<ReturnType<typeof uploadThrough>>;
      try {
        up = await uploadThrough(setup, target, settings.uploadBytes, chunked);
      } catch (error) {
        out.push(
          budgeted(`${name}: streamed`, Number.NaN, "ms", String(error), "first byte before half", false),
        );
        continue;
      }
      raw[`${target} ${mode}`] = up;
      proxied += 1;
      const t = up.timing;
      const arrived = t.status === 202 && t.bytes >= settings.uploadBytes;
      out.push(
        budgeted(
          `${name}: upstream first byte vs client half sent`,
          t.upstreamFirstByteMs,
          "ms",
          arrived
            ? `${fmt.ms(t.upstreamFirstByteMs)} vs ${fmt.ms(t.clientHalfSentMs)} (client done ${fmt.ms(t.clientDoneMs)}, answer ${fmt.ms(t.responseMs)}; pass-through ${fmt.ms(pass.timing.responseMs)})`
            : `answered ${t.status} after ${fmt.int(t.bytes)} bytes reached the instance`,
          "first byte before half",
          arrived && t.upstreamFirstByteMs < t.clientHalfSentMs,
        ),
      );
      const growth = up.peakRss - up.rssBefore;
      out.push(
        budgeted(
          `${name}: workerd peak RSS growth`,
          growth,
          "bytes",
          `+${fmt.mib(growth)} (pass-through +${fmt.mib(pass.peakRss - pass.rssBefore)})`,
          `≤ ${fmt.mib(UPLOAD_RSS_BUDGET)}`,
          up.peakMeasured ? growth <= UPLOAD_RSS_BUDGET : null,
        ),
      );
    }
  }
  return { figures: out, raw, proxied };
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
  const { figures, raw, unexpected } = await measure(setup);
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
  const judged = figures.filter((f) => f.pass !== undefined);
  const missed = !quick && judged.some((f) => f.pass !== true);
  if (summary && unexpected === 0) {
    const seconds = ((performance.now() - t0) / 1000).toFixed(0);
    const verdict = quick
      ? "indicative, no verdict"
      : `${judged.filter((f) => f.pass === true).length} of ${judged.length} budgets pass`;
    console.log(
      `bench (${settings.mode}): ${figures.length} figures in ${seconds} s, nothing broken (${verdict}); ${path}`,
    );
    return missed ? 1 : 0;
  }
  const m = results.machine;
  console.log(`\nfedi-bff benchmark, ${results.date} — ${m.nproc} × ${m.cpu}, Node ${m.node}, ${m.workerd}`);
  console.log(
    `c=${settings.connections}, ${settings.durationSeconds} s per run, ${settings.rounds} alternating rounds (direct, pass-through, new-head, new-head-open with 10,000 sessions, fedi-bff, fedi-bff mounted, self-hosted); added p50 at a fixed load of ${settings.fixedLoad.share * 100} % of the slowest saturated rate, ${settings.fixedLoad.durationSeconds} s × ${settings.fixedLoad.rounds} rounds\n`,
  );
  console.log(table(figures, quick));
  if (quick) {
    console.log(
      `\nQuick run: every figure is indicative (${settings.rounds} round of ${settings.durationSeconds} s, ${settings.fixedLoad.durationSeconds} s at the fixed load); budgets are judged only by the full run, \`npm run bench\`.`,
    );
  } else {
    console.log(`\n${verdictLines(figures).join("\n")}`);
  }
  console.log(`Written to ${path}`);
  // A wrong status is not load: the code under test answered wrongly, in a quick run too.
  if (unexpected > 0) {
    console.log(`Broken: ${unexpected} answers with an unexpected status (see the per-target counts above).`);
    return 2;
  }
  return missed ? 1 : 0;
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
