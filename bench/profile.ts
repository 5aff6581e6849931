/**
 * `node bench/profile.ts [--target bff|pass|new-head] [--seconds S] [--path /api/v1/…] [--trace-gc]
 * [--many-sessions]`:
 * where fedi-bff's CPU time goes on the proxy hot path. Runs the same setup as `npm run bench` with
 * workerd's V8 inspector on a loopback port, samples the chosen service's isolate under load, and
 * prints self and inclusive time per function (the .cpuprofile lands in bench/out/ for Chrome
 * DevTools). --trace-gc also runs V8 with --trace-gc and sums the collector's pauses in the run.
 * --many-sessions sends the timeline from the benchmark's many sessions, round-robin (memo misses).
 */
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import WebSocket from "ws";
import { runLoad } from "./lib/load.ts";
import { manySessionsTimeline, workloads } from "./lib/phases.ts";
import { killAllNow, stopAll } from "./lib/processes.ts";
import { ROOT, setUp } from "./lib/setup.ts";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

const { values: args } = parseArgs({
  options: {
    target: { type: "string", default: "bff" },
    seconds: { type: "string", default: "5" },
    path: { type: "string", default: "/api/v1/timelines/home" },
    "trace-gc": { type: "boolean", default: false },
    "many-sessions": { type: "boolean", default: false },
  },
});
const GC_LOG = resolve(ROOT, "bench/out/gc.log");

/**
 * V8's --trace-gc lines written during the measured run, summed per kind for the busiest isolate
 * (the one under load): how often the collector ran and how long the longest pause was.
 */
function gcSummary(fromOffset: number, seconds: number): string {
  const text = readFileSync(GC_LOG, "utf8").slice(fromOffset);
  const line = /^\[\d+:(0x[0-9a-f]+)\]\s+[\d.]+ ms: ([A-Za-z -]+?) [\d.]+ \(.*?, ([\d.]+) \/ [\d.]+ ms/;
  const byIsolate = new Map<string, Map<string, number[]>>();
  for (const raw of text.split("\n")) {
    const m = line.exec(raw);
    if (m === null) continue;
    const [, isolate, kind, pause] = m as unknown as [string, string, string, string];
    const kinds = byIsolate.get(isolate) ?? new Map<string, number[]>();
    byIsolate.set(isolate, kinds);
    kinds.set(kind, [...(kinds.get(kind) ?? []), Number(pause)]);
  }
  const count = (kinds: Map<string, number[]>) => [...kinds.values()].reduce((n, xs) => n + xs.length, 0);
  const busiest = [...byIsolate.values()].sort((a, b) => count(b) - count(a))[0];
  if (busiest === undefined) return "garbage collector: no --trace-gc lines during the run";
  const rows = [...busiest.entries()].map(([kind, pauses]) => {
    const total = pauses.reduce((a, b) => a + b, 0);
    return `  ${kind}: ${pauses.length} in ${seconds} s, ${total.toFixed(0)} ms in all, longest ${Math.max(...pauses).toFixed(1)} ms`;
  });
  return `garbage collector of the loaded isolate (${GC_LOG}):\n${rows.join("\n")}`;
}

function freePort(): Promise<number> {
  return new Promise((done) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

async function retry<T>(attempt: () => Promise<T>, tries = 50): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await attempt();
    } catch (error) {
      if (i >= tries) throw error;
      await new Promise((done) => setTimeout(done, 100));
    }
  }
}

function inspector(url: string) {
  const ws = new WebSocket(url);
  let id = 0;
  const pending = new Map<number, (result: unknown) => void>();
  ws.on("message", (data) => {
    const msg = JSON.parse(String(data)) as { id?: number; result?: unknown };
    if (msg.id !== undefined) pending.get(msg.id)?.(msg.result);
  });
  const opened = new Promise<void>((done, fail) => ws.once("open", () => done()).once("error", fail));
  return {
    opened,
    send: (method: string, params: Record<string, unknown> = {}) =>
      new Promise<unknown>((done) => {
        const n = ++id;
        pending.set(n, done);
        ws.send(JSON.stringify({ id: n, method, params }));
      }),
    close: () => ws.close(),
  };
}

/** Self and inclusive sample counts per function name + location. */
function summarize(nodes: ProfileNode[], total: number): string {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const name = (n: ProfileNode) => {
    const file = n.callFrame.url.split("/").pop() || "(native)";
    return `${n.callFrame.functionName || "(anonymous)"} ${file}:${n.callFrame.lineNumber + 1}`;
  };
  const walk = (node: ProfileNode, stack: Set<string>): number => {
    let hits = node.hitCount ?? 0;
    const key = name(node);
    self.set(key, (self.get(key) ?? 0) + hits);
    const inner = new Set(stack).add(key);
    for (const child of node.children ?? []) hits += walk(byId.get(child) as ProfileNode, inner);
    if (!stack.has(key)) inclusive.set(key, (inclusive.get(key) ?? 0) + hits);
    return hits;
  };
  walk(nodes[0] as ProfileNode, new Set());
  const pct = (n: number) => `${((100 * n) / total).toFixed(1).padStart(5)}%`;
  const top = (map: Map<string, number>, n: number) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, v]) => `  ${pct(v)}  ${k}`)
      .join("\n");
  return `self time (top 25):\n${top(self, 25)}\n\ninclusive time (top 40):\n${top(inclusive, 40)}`;
}

async function main(): Promise<void> {
  const port = await freePort();
  const traceGc = args["trace-gc"] === true;
  const setup = await setUp({
    workerdArgs: [`--inspector-addr=127.0.0.1:${port}`],
    wranglerArgs: ["--no-minify"],
    ...(traceGc ? { v8Flags: ["--trace-gc"], workerdStdout: GC_LOG } : {}),
  });
  const targets = (await retry(() => fetch(`http://127.0.0.1:${port}/json/list`)).then((r) => r.json())) as {
    id: string;
    webSocketDebuggerUrl: string;
  }[];
  const target = targets.find((t) => t.id.endsWith(`:${args.target}`) || t.id === args.target);
  if (target === undefined) throw new Error(`no inspector target ${args.target}: ${JSON.stringify(targets)}`);
  const session = inspector(target.webSocketDebuggerUrl);
  await session.opened;
  const workload =
    args["many-sessions"] === true
      ? manySessionsTimeline(setup)
      : (workloads(setup).find((w) => w.path === args.path) ?? workloads(setup)[0]);
  if (workload === undefined) throw new Error("no workload");
  const url =
    args.target === "pass"
      ? setup.urls.pass
      : args.target === "new-head"
        ? setup.urls.newHead
        : setup.urls.bff;
  const options = { connections: 20, durationSeconds: Number(args.seconds) };
  await runLoad(url, workload, { ...options, durationSeconds: 1 });
  await session.send("Profiler.enable");
  await session.send("Profiler.setSamplingInterval", { interval: 100 });
  await session.send("Profiler.start");
  const gcFrom = traceGc ? statSync(GC_LOG).size : 0;
  const result = await runLoad(url, workload, options);
  const { profile } = (await session.send("Profiler.stop")) as { profile: { nodes: ProfileNode[] } };
  session.close();
  const out = resolve(ROOT, `bench/out/${args.target}.cpuprofile`);
  writeFileSync(out, JSON.stringify(profile));
  const total = profile.nodes.reduce((sum, n) => sum + (n.hitCount ?? 0), 0);
  console.log(`${args.target} ${workload.name}: ${Math.round(result.rps)} req/s over ${args.seconds} s`);
  const idle = profile.nodes
    .filter((n) => n.callFrame.functionName === "(idle)")
    .reduce((sum, n) => sum + (n.hitCount ?? 0), 0);
  const busyUs = ((total - idle) * 100) / result.requests;
  console.log(`${total} samples of 100 µs; isolate thread busy ${busyUs.toFixed(1)} µs per request`);
  console.log(summarize(profile.nodes, total));
  if (traceGc) console.log(`\n${gcSummary(gcFrom, options.durationSeconds)}`);
  console.log(`\nprofile: ${out}`);
}

process.on("exit", killAllNow);
try {
  await main();
} finally {
  await stopAll();
}
