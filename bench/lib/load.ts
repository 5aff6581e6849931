/**
 * One load run with autocannon. Latencies are recorded here from every response, at full
 * precision: autocannon's own histogram keeps whole milliseconds, too coarse for a 1 ms budget.
 */
import autocannon from "autocannon";

export interface Workload {
  readonly name: string;
  readonly path: string;
  readonly method: "GET" | "POST";
  readonly headers: Record<string, string>;
  readonly body?: string;
  /** The status every answer must have (default: any 2xx). */
  readonly expectStatus?: number;
  /**
   * Cookie headers sent round-robin over all connections together (one counter, not one per
   * connection: connections walking the same list in step would send each session 20 times in a
   * row and hit the per-isolate memo). Replaces any `cookie` in `headers`.
   */
  readonly cookies?: readonly string[];
}

export interface LoadOptions {
  readonly connections: number;
  readonly durationSeconds: number;
  /** Seconds the load generator waits for an answer before it counts a timeout (default 10). */
  readonly timeoutSeconds?: number;
}

export interface RunResult {
  readonly requests: number;
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  /** unexpected + errors + timeouts: a run is complete only when this is 0. */
  readonly failures: number;
  /** Answers with another status than expected. */
  readonly unexpected: number;
  /** Connection errors in the load generator (timeouts not included). */
  readonly errors: number;
  /** Requests the load generator gave up waiting for. */
  readonly timeouts: number;
  readonly statuses: Readonly<Record<number, number>>;
  /** Set when the load generator itself failed: the run has no figures, only this reason. */
  readonly broken?: string;
}

/** A run that produced nothing because the load generator failed (never thrown: counted). */
export function brokenRun(reason: string): RunResult {
  return {
    requests: 0,
    rps: Number.NaN,
    p50: Number.NaN,
    p99: Number.NaN,
    failures: 1,
    unexpected: 0,
    errors: 1,
    timeouts: 0,
    statuses: {},
    broken: reason,
  };
}

/** Latencies kept at most per run; beyond it every other one is sampled (bounded memory). */
const MAX_SAMPLES = 400_000;

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

/**
 * One autocannon request whose headers move to the next pre-built set on every send. autocannon
 * then rebuilds the request bytes each time (a few µs of the load generator's time): the
 * pass-through's figures with and without rotation show what that costs.
 */
function rotating(headers: Record<string, string>, cookies: readonly string[]): autocannon.Request {
  const sets = cookies.map((cookie) => ({ ...headers, cookie }));
  let next = 0;
  return {
    setupRequest: (request) => {
      request.headers = sets[next] as Record<string, string>;
      next = (next + 1) % sets.length;
      return request;
    },
  };
}

/**
 * One autocannon run. Timeouts, connection errors and unexpected statuses are counted, never
 * thrown; a load generator that fails outright yields a `brokenRun`.
 */
export async function runLoad(baseUrl: string, workload: Workload, options: LoadOptions): Promise<RunResult> {
  try {
    return await load(baseUrl, workload, options);
  } catch (error) {
    return brokenRun(error instanceof Error ? error.message : String(error));
  }
}

async function load(baseUrl: string, workload: Workload, options: LoadOptions): Promise<RunResult> {
  const latencies: number[] = [];
  let seen = 0;
  let unexpected = 0;
  const statuses: Record<number, number> = {};
  const expected = (status: number) =>
    workload.expectStatus === undefined ? status >= 200 && status < 300 : status === workload.expectStatus;
  let instance: autocannon.Instance | undefined;
  const done = new Promise<autocannon.Result>((resolve, reject) => {
    const settings: autocannon.Options = {
      url: baseUrl + workload.path,
      method: workload.method,
      headers: workload.headers,
      connections: options.connections,
      duration: options.durationSeconds,
      timeout: options.timeoutSeconds ?? 10,
    };
    if (workload.body !== undefined) settings.body = workload.body;
    if (workload.cookies !== undefined) settings.requests = [rotating(workload.headers, workload.cookies)];
    instance = autocannon(settings, (error, result) => (error ? reject(error) : resolve(result)));
  });
  instance?.on("response", (_client: unknown, status: number, _bytes: number, responseTime: number) => {
    seen++;
    statuses[status] = (statuses[status] ?? 0) + 1;
    if (!expected(status)) unexpected++;
    if (latencies.length < MAX_SAMPLES || seen % 2 === 0) latencies.push(responseTime);
  });
  const result = await done;
  latencies.sort((a, b) => a - b);
  const requests = result.requests.total;
  return {
    requests,
    rps: requests / (result.duration || options.durationSeconds),
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    // autocannon counts a timeout among its errors as well.
    failures: unexpected + result.errors,
    unexpected,
    errors: Math.max(0, result.errors - result.timeouts),
    timeouts: result.timeouts,
    statuses,
  };
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

export function spread(values: readonly number[]): { min: number; max: number } {
  return { min: Math.min(...values), max: Math.max(...values) };
}
