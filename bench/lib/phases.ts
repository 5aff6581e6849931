/**
 * The measured phases of a run. Throughput alternates the targets (A B C A B C …) with the same
 * connections and duration for each, so drift on this shared machine hits them all equally.
 */
import { type LoadOptions, median, type RunResult, runLoad, type Workload } from "./load.ts";
import { cpuMicros, currentRss, peakRss, resetPeakRss } from "./processes.ts";
import type { Setup } from "./setup.ts";
import { type UploadTiming, upload } from "./upload.ts";

/**
 * `mounted` is fedi-bff as a library in front of a Hono app (`bff.wrap`); `self` is fedi-bff as `npm run self-host` runs
 * it: the same bundle, no KV, the Registrar on disk.
 */
export const TARGETS = ["direct", "pass", "newHead", "bff", "mounted", "self"] as const;
export type Target = (typeof TARGETS)[number];

/** A load run with the workerd CPU it cost (0 for `direct`, which workerd does not serve). */
export interface TargetRun extends RunResult {
  readonly workerdUsPerRequest: number;
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
  return {
    direct: pick(rounds.direct),
    pass: pick(rounds.pass),
    newHead: pick(rounds.newHead),
    bff: pick(rounds.bff),
    mounted: pick(rounds.mounted),
    self: pick(rounds.self),
  };
}

/** "" for a complete run, else what went wrong in it (for the progress log). */
export function runProblems(run: RunResult): string {
  if (run.broken !== undefined) return `  load generator failed: ${run.broken}`;
  if (run.failures === 0) return "";
  return `  incomplete: ${run.timeouts} timeouts, ${run.errors} errors, ${run.unexpected} unexpected statuses ${JSON.stringify(run.statuses)}`;
}

export async function throughput(
  setup: Setup,
  workload: Workload,
  options: LoadOptions & {
    rounds: number;
    warmupSeconds: number;
    targets?: readonly Target[];
    /** Called before each measured run (the timeout injection uses it). */
    beforeRun?: (target: Target, round: number) => Promise<void>;
  },
  log: (line: string) => void,
): Promise<Rounds> {
  for (const target of options.targets ?? TARGETS) {
    if (options.warmupSeconds <= 0) break;
    await runLoad(targetUrl(setup, target), workload, { ...options, durationSeconds: options.warmupSeconds });
  }
  const rounds: Rounds = { direct: [], pass: [], newHead: [], bff: [], mounted: [], self: [] };
  for (let round = 1; round <= options.rounds; round++) {
    for (const target of options.targets ?? TARGETS) {
      await options.beforeRun?.(target, round);
      const result = await measuredRun(setup, target, workload, options);
      rounds[target].push(result);
      log(
        `  round ${round} ${target.padEnd(7)} ${Math.round(result.rps)} req/s  p50 ${result.p50.toFixed(2)} ms  p99 ${result.p99.toFixed(2)} ms  workerd ${result.workerdUsPerRequest.toFixed(0)} µs/req${runProblems(result)}`,
      );
    }
  }
  return rounds;
}

export interface LoginFigures {
  readonly runs: RunResult[];
  readonly kvReadsPerLogin: number;
  readonly kvOpsPerLogin: number;
}

/** Login starts on an instance whose registration is already in KV (the first login put it there). */
export async function loginStart(
  setup: Setup,
  options: LoadOptions & { rounds: number; warmupSeconds: number; sequentialLogins: number },
): Promise<LoginFigures> {
  const instance = new URL(setup.urls.direct).host;
  const workload: Workload = {
    name: "GET /auth/login",
    path: `/auth/login?instance=${encodeURIComponent(instance)}&return_to=%2F`,
    method: "GET",
    // A start as the app makes it (a link would get the confirmation page instead).
    headers: { "sec-fetch-site": "same-origin", "x-csrf": "1" },
    expectStatus: 302,
  };
  const first = await fetch(setup.urls.bffLogin + workload.path, {
    redirect: "manual",
    headers: workload.headers,
  });
  await first.arrayBuffer();
  if (first.status !== 302) throw new Error(`first login start answered ${first.status}`);
  if (options.warmupSeconds > 0) {
    await runLoad(setup.urls.bffLogin, workload, { ...options, durationSeconds: options.warmupSeconds });
  }
  const runs: RunResult[] = [];
  for (let round = 0; round < options.rounds; round++) {
    runs.push(await runLoad(setup.urls.bffLogin, workload, options));
  }
  // KV reads are counted on sequential requests: under load, requests still in flight when the
  // load generator stops reach KV without being counted as answered; let them finish first.
  await new Promise((done) => setTimeout(done, 300));
  const before = await kvOps(setup);
  for (let i = 0; i < options.sequentialLogins; i++) {
    const res = await fetch(setup.urls.bffLogin + workload.path, {
      redirect: "manual",
      headers: workload.headers,
    });
    await res.arrayBuffer();
    if (res.status !== 302) throw new Error(`login start answered ${res.status}`);
  }
  const after = await kvOps(setup);
  const requests = options.sequentialLogins;
  return {
    runs,
    kvReadsPerLogin: (after.get - before.get) / requests,
    kvOpsPerLogin: (kvTotal(after) - kvTotal(before)) / requests,
  };
}

export interface UploadFigures {
  readonly timing: UploadTiming;
  readonly rssBefore: number;
  readonly peakRss: number;
  readonly peakMeasured: boolean;
}

/** The targets a large upload goes through: every fedi-bff configuration, and the pass-through. */
export type UploadTarget = "pass" | "bff" | "mounted" | "self";

export async function uploadThrough(
  setup: Setup,
  target: UploadTarget,
  bytes: number,
  chunked = false,
): Promise<UploadFigures> {
  const pid = setup.workerd.pid;
  const peakMeasured = resetPeakRss(pid);
  const rssBefore = currentRss(pid);
  const headers: Record<string, string> =
    target === "pass" ? {} : { cookie: setup.session.cookie, "x-csrf": "1" };
  const timing = await upload(
    `${targetUrl(setup, target)}/api/v2/media`,
    bytes,
    headers,
    setup.urls.stubStats,
    chunked,
  );
  return { timing, rssBefore, peakRss: peakRss(pid), peakMeasured };
}

/** The median of one numeric figure over runs. */
export const med = <T extends RunResult>(
  runs: readonly T[],
  key: { [K in keyof T]: T[K] extends number ? K : never }[keyof T],
) => median(runs.map((r) => r[key] as number));
