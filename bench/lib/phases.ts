/**
 * The measured phases of a run. Throughput alternates the targets (A B C A B C …) with the same
 * connections and duration for each, so drift on this shared machine hits them all equally; after
 * the saturated runs of a round, the latency targets run again at one fixed offered rate.
 */
import { brokenRun, type LoadOptions, median, type RunResult, runLoad, type Workload } from "./load.ts";
import { type PacedOptions, runPaced } from "./paced.ts";
import { cpuMicros } from "./processes.ts";
import type { Setup } from "./setup.ts";

/**
 * `newHeadOpen` is new-head plus one open of the session cookie per request (the floor of the
 * 10,000-session workload); `mounted` is fedi-bff as a library in front of a Hono app (`bff.wrap`);
 * `self` is fedi-bff as `npm run self-host` runs it: the same bundle, no KV, the Registrar on disk.
 */
export const TARGETS = ["direct", "pass", "newHead", "newHeadOpen", "bff", "mounted", "self"] as const;
export type Target = (typeof TARGETS)[number];

/** A workload's targets unless it names its own: new-head-open runs only with 10,000 sessions. */
export const DEFAULT_TARGETS = TARGETS.filter((target) => target !== "newHeadOpen");

/** The targets run again at a fixed offered rate: pass-through and every fedi-bff configuration. */
export const FIXED_LOAD_TARGETS = ["pass", "bff", "mounted", "self"] as const;

/** A load run with the workerd CPU it cost (0 for `direct`, which workerd does not serve). */
export interface TargetRun extends RunResult {
  readonly workerdUsPerRequest: number;
  /** At a fixed load: the rate the run was offered (requests started per second). */
  readonly offeredRps?: number;
}

export interface KvOps {
  get: number;
  put: number;
  delete: number;
  list: number;
}

export async function kvOps(setup: Setup): Promise<KvOps> {
  return (await (await fetch(setup.urls.kvOps)).json()) as KvOps;
}

export const kvTotal = (ops: KvOps) => ops.get + ops.put + ops.delete + ops.list;

/** The API calls a frontend makes most: read the home timeline, post a status. */
export function workloads(setup: Setup): Workload[] {
  const auth = { cookie: setup.session.cookie, "x-csrf": "1", accept: "application/json" };
  return [
    {
      name: "GET /api/v1/timelines/home (20 KB)",
      path: "/api/v1/timelines/home",
      method: "GET",
      headers: auth,
    },
    {
      name: "POST /api/v1/statuses",
      path: "/api/v1/statuses",
      method: "POST",
      headers: { ...auth, "content-type": "application/json", "idempotency-key": "bench" },
      body: JSON.stringify({ status: "Benchmarking fedi-bff on loopback.", visibility: "private" }),
    },
  ];
}

/** The timeline again, each request from the next of MANY_SESSIONS sessions. */
export function manySessionsTimeline(setup: Setup): Workload {
  const [timeline] = workloads(setup);
  if (timeline === undefined) throw new Error("no timeline workload");
  return {
    ...timeline,
    name: `${timeline.name}, ${setup.manySessions.length.toLocaleString("en-US")} sessions`,
    cookies: setup.manySessions,
  };
}

export function targetUrl(setup: Setup, target: Target): string {
  return setup.urls[target];
}

export type Rounds = Record<Target, TargetRun[]>;

export const noRounds = (): Rounds =>
  Object.fromEntries(TARGETS.map((target) => [target, [] as TargetRun[]])) as Rounds;

/**
 * The latency runs of a workload: per round, the targets of FIXED_LOAD_TARGETS at one offered
 * rate, a share of the slowest of their saturated rates in that round.
 */
export interface FixedLoad {
  /** The offered rate of each round (NaN where the round had no saturated rate to take it from). */
  readonly rates: number[];
  readonly rounds: Rounds;
}

/** Both measurements of a workload: closed-loop at saturation, and at a fixed offered rate. */
export interface Throughput {
  readonly saturated: Rounds;
  readonly fixed?: FixedLoad;
}

/**
 * After the load generator stops, requests still in flight finish in workerd: waiting this long
 * before the second CPU reading charges them to the target that received them, not to the next.
 */
const SETTLE_MS = 150;

/**
 * One load run against one target, with workerd's CPU time around it. Only this target is loaded
 * while it runs (the stub is another process), so the difference is this target's cost; the
 * rounds alternate, so round i of every target ran under the same machine load.
 */
async function measuredRun(setup: Setup, target: Target, workload: Workload, options: LoadOptions) {
  const before = cpuMicros(setup.workerd.pid);
  const result = await runLoad(targetUrl(setup, target), workload, options);
  await new Promise((done) => setTimeout(done, SETTLE_MS));
  return charged(setup, target, result, before);
}

/** A run with the workerd CPU time since `before` charged to its answered requests. */
function charged<T extends RunResult>(setup: Setup, target: Target, result: T, before: number) {
  const used = cpuMicros(setup.workerd.pid) - before;
  const workerdUsPerRequest = target === "direct" ? 0 : used / Math.max(result.requests, 1);
  return { ...result, workerdUsPerRequest };
}

/**
 * A round is complete when every target in it answered every request the load generator sent,
 * with the expected status, and no request timed out or failed to connect: only complete rounds
 * judge a budget (a timeout in one target's run would skew the ratios of that round).
 */
export function completeRounds(rounds: Rounds, targets: readonly Target[] = TARGETS): boolean[] {
  const ran = targets.filter((t) => rounds[t].length > 0);
  const count = Math.max(0, ...ran.map((t) => rounds[t].length));
  return Array.from({ length: count }, (_, i) =>
    ran.every((t) => {
      const run = rounds[t][i];
      return run !== undefined && run.failures === 0 && run.requests > 0;
    }),
  );
}

/** Rounds keeping only the complete ones (same positions in every target). */
export function onlyComplete(rounds: Rounds): Rounds {
  const keep = completeRounds(rounds);
  const pick = (runs: TargetRun[]) => runs.filter((_, i) => keep[i] === true);
  return Object.fromEntries(TARGETS.map((target) => [target, pick(rounds[target])])) as Rounds;
}

/** "" for a complete run, else what went wrong in it (for the progress log). */
export function runProblems(run: RunResult): string {
  if (run.broken !== undefined) return `  load generator failed: ${run.broken}`;
  if (run.failures === 0) return "";
  return `  incomplete: ${run.timeouts} timeouts, ${run.errors} errors, ${run.unexpected} unexpected statuses ${JSON.stringify(run.statuses)}`;
}

/** The latency runs' settings: how many of the rounds, how long, and what share of the saturated rate. */
export interface FixedLoadOptions {
  readonly rounds: number;
  readonly durationSeconds: number;
  /** The offered rate as a share of the slowest FIXED_LOAD_TARGETS' saturated req/s in the round. */
  readonly share: number;
}

/**
 * Alternating rounds of saturated runs; after each of the first `fixed.rounds` of them, the
 * FIXED_LOAD_TARGETS again at one offered rate taken from that round's saturated runs.
 */
export async function throughput(
  setup: Setup,
  workload: Workload,
  options: LoadOptions & {
    rounds: number;
    warmupSeconds: number;
    targets?: readonly Target[];
    fixed?: FixedLoadOptions;
    /** Called before each measured run (the timeout injection uses it). */
    beforeRun?: (target: Target, round: number) => Promise<void>;
  },
  log: (line: string) => void,
): Promise<Throughput> {
  const targets = options.targets ?? DEFAULT_TARGETS;
  for (const target of targets) {
    if (options.warmupSeconds <= 0) break;
    await runLoad(targetUrl(setup, target), workload, { ...options, durationSeconds: options.warmupSeconds });
  }
  const saturated = noRounds();
  const fixed: FixedLoad = { rates: [], rounds: noRounds() };
  let warm = false;
  for (let round = 1; round <= options.rounds; round++) {
    for (const target of targets) {
      await options.beforeRun?.(target, round);
      const result = await measuredRun(setup, target, workload, options);
      saturated[target].push(result);
      log(`  round ${round} ${target.padEnd(11)} ${progress(result)}`);
    }
    if (options.fixed !== undefined && round <= options.fixed.rounds) {
      const rate = options.fixed.share * Math.min(...FIXED_LOAD_TARGETS.map((t) => last(saturated[t])));
      fixed.rates.push(rate);
      const paced = { ...options, ...options.fixed, ratePerSecond: rate };
      // The load generator's paced HTTP client is another code path than the saturated runs'.
      if (!warm) warm = await warmUpPaced(setup, workload, paced);
      for (const target of FIXED_LOAD_TARGETS) {
        await options.beforeRun?.(target, round);
        const result = await fixedRun(setup, target, workload, paced);
        fixed.rounds[target].push(result);
        log(
          `  round ${round} ${target.padEnd(11)} at ${Math.round(rate)} req/s offered: ${progress(result)}`,
        );
      }
    }
  }
  return options.fixed === undefined ? { saturated } : { saturated, fixed };
}

const progress = (r: TargetRun) =>
  `${Math.round(r.rps)} req/s  p50 ${r.p50.toFixed(2)} ms  p99 ${r.p99.toFixed(2)} ms  workerd ${r.workerdUsPerRequest.toFixed(0)} µs/req${runProblems(r)}`;

/** The saturated req/s of a target's latest run (NaN if it produced none, or the target did not run). */
const last = (runs: readonly TargetRun[]) => runs.at(-1)?.rps ?? Number.NaN;

const usableRate = (rate: number) => Number.isFinite(rate) && rate > 0;

/**
 * A quarter of a run of each fixed-load target at the round's rate, before the first measured run;
 * false when the round has no rate to warm up at.
 */
async function warmUpPaced(setup: Setup, workload: Workload, options: PacedOptions): Promise<boolean> {
  if (!usableRate(options.ratePerSecond)) return false;
  const durationSeconds = options.durationSeconds / 4;
  for (const target of FIXED_LOAD_TARGETS)
    await runPaced(targetUrl(setup, target), workload, { ...options, durationSeconds });
  return true;
}

/** One run at a fixed offered rate, with the workerd CPU it cost. */
async function fixedRun(
  setup: Setup,
  target: Target,
  workload: Workload,
  options: PacedOptions,
): Promise<TargetRun> {
  if (!usableRate(options.ratePerSecond))
    return {
      ...brokenRun("no saturated rate in this round to take the fixed rate from"),
      workerdUsPerRequest: 0,
    };
  const before = cpuMicros(setup.workerd.pid);
  // The paced run returns once every request is answered or timed out: nothing is left in flight.
  const result = await runPaced(targetUrl(setup, target), workload, options);
  return charged(setup, target, result, before);
}

/** The median of one numeric figure over runs. */
export const med = <T extends RunResult>(
  runs: readonly T[],
  key: { [K in keyof T]: T[K] extends number ? K : never }[keyof T],
) => median(runs.map((r) => r[key] as number));
