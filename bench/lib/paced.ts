/**
 * A load run at a fixed offered rate: requests are started on a schedule spread evenly over each
 * second (one every 1/rate s, sent on the next 1 ms tick), over a pool of keep-alive connections,
 * whatever the answers' speed. This is how latency is measured when the runtime is not queueing.
 *
 * autocannon's own `overallRate` is not used for this: it lets each connection send as fast as it
 * can until it has made its share of the second's requests, then pause until the next second, so
 * at half the saturated rate every connection is saturated for half of each second and the p50 is
 * the saturated one (autocannon's lib/httpClient.js, `reqsMadeThisSecond`).
 */
import http from "node:http";
import { type LoadOptions, percentile, type RunResult, type Workload } from "./load.ts";

export interface PacedOptions extends LoadOptions {
  /** Requests started per second, spread evenly. */
  readonly ratePerSecond: number;
}

/** A paced run's result, with the rate it was asked for beside the rate it answered. */
export interface PacedResult extends RunResult {
  readonly offeredRps: number;
}

/**
 * Sends `ratePerSecond × durationSeconds` requests on schedule, then waits for every answer (or
 * its timeout). Timeouts, connection errors and unexpected statuses are counted, never thrown.
 */
export function runPaced(baseUrl: string, workload: Workload, options: PacedOptions): Promise<PacedResult> {
  const url = new URL(baseUrl + workload.path);
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.connections });
  const total = Math.max(1, Math.round(options.ratePerSecond * options.durationSeconds));
  const timeoutMs = (options.timeoutSeconds ?? 10) * 1000;
  const expected = (status: number) =>
    workload.expectStatus === undefined ? status >= 200 && status < 300 : status === workload.expectStatus;
  const latencies: number[] = [];
  const statuses: Record<number, number> = {};
  const counts = { unexpected: 0, errors: 0, timeouts: 0, settled: 0 };
  let nextCookie = 0;

  return new Promise((resolve) => {
    const start = performance.now();
    let sent = 0;
    const finish = () => {
      agent.destroy();
      latencies.sort((a, b) => a - b);
      const requests = latencies.length;
      const seconds = Math.max(options.durationSeconds, (performance.now() - start) / 1000);
      const failures = counts.unexpected + counts.errors + counts.timeouts;
      resolve({
        requests,
        rps: requests / seconds,
        offeredRps: options.ratePerSecond,
        p50: percentile(latencies, 50),
        p99: percentile(latencies, 99),
        failures,
        unexpected: counts.unexpected,
        errors: counts.errors,
        timeouts: counts.timeouts,
        statuses,
      });
    };
    const settle = () => {
      counts.settled++;
      if (sent === total && counts.settled === total) finish();
    };
    const send = () => {
      const headers: Record<string, string> = { ...workload.headers };
      if (workload.body !== undefined) headers["content-length"] = String(Buffer.byteLength(workload.body));
      if (workload.cookies !== undefined) {
        headers.cookie = workload.cookies[nextCookie] as string;
        nextCookie = (nextCookie + 1) % workload.cookies.length;
      }
      const began = performance.now();
      let done = false;
      const once = (record: () => void) => {
        if (done) return;
        done = true;
        record();
        settle();
      };
      const request = http.request(url, { method: workload.method, headers, agent }, (response) => {
        response.on("data", () => {});
        response.on("end", () =>
          once(() => {
            const status = response.statusCode ?? 0;
            statuses[status] = (statuses[status] ?? 0) + 1;
            if (!expected(status)) counts.unexpected++;
            latencies.push(performance.now() - began);
          }),
        );
        // A connection lost mid-body: "close" with no "end" before it.
        response.on("close", () => once(() => counts.errors++));
      });
      request.setTimeout(timeoutMs, () => {
        once(() => counts.timeouts++);
        request.destroy();
      });
      request.on("error", () => once(() => counts.errors++));
      request.end(workload.body);
    };
    const tick = setInterval(() => {
      const due = Math.min(
        total,
        Math.floor(((performance.now() - start) * options.ratePerSecond) / 1000) + 1,
      );
      while (sent < due) {
        sent++;
        send();
      }
      if (sent === total) clearInterval(tick);
    }, 1);
  });
}
