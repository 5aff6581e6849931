/** Login starts under load, and the KV reads each one costs on an instance already registered. */
import { type LoadOptions, type RunResult, runLoad, type Workload } from "./load.ts";
import { kvOps, kvTotal } from "./phases.ts";
import type { Setup } from "./setup.ts";

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
