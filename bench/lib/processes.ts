/**
 * The child processes of a run (upstream stub, workerd): started with a deadline, tracked, and all
 * stopped by `stopAll` — on success, on error and on Ctrl-C alike. Only processes started here are
 * ever signalled, by their own pid.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { openSync, readFileSync, writeFileSync } from "node:fs";
import { createInterface } from "node:readline";

const children = new Set<ChildProcess>();

/** Last lines of a child's stderr, for error messages (bounded). */
function tail(child: ChildProcess, limit = 8192): () => string {
  let text = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    text = (text + chunk.toString()).slice(-limit);
  });
  return () => text.trim();
}

function track(child: ChildProcess): void {
  children.add(child);
  child.on("exit", () => children.delete(child));
}

function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not ready after ${ms} ms`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

export interface Stub {
  readonly pid: number;
  readonly upstreamPort: number;
  readonly kvPort: number;
}

/** Starts bench/stub.ts in its own process (its own core, as a real instance would be). */
export async function startStub(): Promise<Stub> {
  const script = new URL("../stub.ts", import.meta.url).pathname;
  const child = spawn(process.execPath, [script], { stdio: ["pipe", "pipe", "pipe"] });
  track(child);
  const stderr = tail(child);
  const line = new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).once("line", resolve);
    child.once("exit", (code) => reject(new Error(`stub exited (${code}): ${stderr()}`)));
  });
  const ports = JSON.parse(await withDeadline(line, 10_000, "upstream stub")) as Omit<Stub, "pid">;
  return { pid: child.pid as number, ...ports };
}

export interface Workerd {
  readonly pid: number;
  readonly ports: ReadonlyMap<string, number>;
  readonly stderr: () => string;
}

/** `workerd serve` with the generated config; ports come from `--control-fd` listen events. */
export async function startWorkerd(
  binary: string,
  configPath: string,
  sockets: readonly string[],
  extraArgs: readonly string[] = [],
  stdoutPath?: string,
): Promise<Workerd> {
  const argv = ["serve", configPath, "--experimental", "--control-fd=3", ...extraArgs];
  // V8's --trace-gc prints to stdout; stdbuf makes it line-buffered, so the file is current.
  const child =
    stdoutPath === undefined
      ? spawn(binary, argv, { stdio: ["ignore", "ignore", "pipe", "pipe"] })
      : spawn("stdbuf", ["-oL", binary, ...argv], {
          stdio: ["ignore", openSync(stdoutPath, "w"), "pipe", "pipe"],
        });
  track(child);
  const stderr = tail(child);
  const ports = new Map<string, number>();
  const ready = new Promise<void>((resolve, reject) => {
    const control = createInterface({ input: child.stdio[3] as NodeJS.ReadableStream });
    control.on("line", (line) => {
      const event = JSON.parse(line) as { event?: string; socket?: string; port?: number };
      if (event.event === "listen" && event.socket !== undefined && event.port !== undefined) {
        ports.set(event.socket, event.port);
        if (sockets.every((s) => ports.has(s))) resolve();
      }
    });
    child.once("exit", (code) => reject(new Error(`workerd exited (${code}): ${stderr()}`)));
  });
  await withDeadline(ready, 30_000, "workerd");
  return { pid: child.pid as number, ports, stderr };
}

/** Peak resident set (VmHWM) of a process, in bytes. */
export function peakRss(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = /^VmHWM:\s+(\d+) kB/m.exec(status)?.[1];
  return kb === undefined ? Number.NaN : Number(kb) * 1024;
}

/** Current resident set (VmRSS), in bytes. */
export function currentRss(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1];
  return kb === undefined ? Number.NaN : Number(kb) * 1024;
}

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ: 100 on every Linux build we know). */
const USER_HZ = 100;

/**
 * CPU time (user + system, every thread) a process has used, in microseconds. Taken around a run
 * in which only one target is loaded, its difference is that target's cost in workerd: steadier
 * on a shared machine than requests/s, which moves with whatever else wants the cores.
 */
export function cpuMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the command name, which is in parentheses and may contain spaces.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / USER_HZ;
}

/** Resets VmHWM to the current RSS (Linux ≥ 4.0), so a peak belongs to one phase. */
export function resetPeakRss(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, "5");
    return true;
  } catch {
    return false;
  }
}

/** Stops every child still running: SIGTERM, then SIGKILL after a grace period. */
export async function stopAll(graceMs = 2000): Promise<void> {
  const running = [...children];
  await Promise.all(
    running.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
          child.once("exit", () => {
            clearTimeout(timer);
            resolve();
          });
          child.kill("SIGTERM");
        }),
    ),
  );
}

/** Synchronous last resort on process exit: SIGKILL whatever is left. */
export function killAllNow(): void {
  for (const child of children) child.kill("SIGKILL");
}
