/**
 * Starts what `npm run demo` runs: the fake Mastodon instance on loopback and fedi-bff under
 * `wrangler dev` (through scripts/dev.mjs, so ENVIRONMENT=development and the dev session key),
 * allowed to reach only that instance over plain http. Used by scripts/demo.mjs and the e2e test.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { startFakeServer } from "../fake-instance/server.ts";

export interface StackOptions {
  /** 0 picks free ports. */
  fakePort: number;
  bffPort: number;
  inspectorPort: number;
  /** Local KV / Durable Object state; wrangler's default (.wrangler/state) when absent. */
  persistTo?: string;
  /** Keeps the fake instance's apps and tokens across restarts (the demo), as a real server does. */
  fakeStateFile?: string;
  /** "inherit" shows wrangler's output; "buffer" keeps it for the error message. */
  output: "inherit" | "buffer";
  /** More `wrangler dev` arguments, e.g. `["--assets", dir]` to serve a page from the BFF's origin. */
  wranglerArgs?: readonly string[];
}

export interface Stack {
  readonly bffUrl: string;
  readonly fakeUrl: string;
  readonly fakeHost: string;
  /** Stops both servers; safe to call twice. */
  stop(): Promise<void>;
}

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const READY_TIMEOUT_MS = 60_000;

/** A free loopback port (the OS picks it; there is a small race, acceptable for tests). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

export async function startStack(options: StackOptions): Promise<Stack> {
  const fake = await startFakeServer({
    port: options.fakePort,
    host: "127.0.0.1",
    ...(options.fakeStateFile === undefined ? {} : { stateFile: options.fakeStateFile }),
  });
  const fakeHost = `127.0.0.1:${fake.port}`;
  const bffPort = options.bffPort || (await freePort());
  const inspectorPort = options.inspectorPort || (await freePort());
  const args = ["--port", String(bffPort), "--inspector-port", String(inspectorPort)];
  if (options.persistTo !== undefined) args.push("--persist-to", options.persistTo);
  // ALLOW_INSECURE_INSTANCES names this one host ; a bare `true` is refused.
  args.push("--var", `ALLOW_INSECURE_INSTANCES:${fakeHost}`);
  if (options.wranglerArgs !== undefined) args.push(...options.wranglerArgs);
  const child = spawn(process.execPath, ["scripts/dev.mjs", ...args], {
    cwd: ROOT,
    // Its own process group, so stop() ends wrangler and workerd with it.
    detached: true,
    stdio: options.output === "inherit" ? "inherit" : ["ignore", "pipe", "pipe"],
    env: { ...process.env, CI: "true", WRANGLER_SEND_METRICS: "false" },
  });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const bffUrl = `http://127.0.0.1:${bffPort}`;
  // Wrangler runs in its own process group, so a signal to ours does not reach it: if this
  // process exits without stop() (Ctrl-C, a crash), take the group down with it.
  const killOnExit = () => signalGroup(child, "SIGKILL");
  process.once("exit", killOnExit);
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    process.off("exit", killOnExit);
    await Promise.all([stopGroup(child), fake.close()]);
  };
  try {
    await waitUntilAnswering(`${bffUrl}/auth/session`, child);
  } catch (error) {
    await stop();
    throw new Error(`fedi-bff did not start: ${String(error)}\n${output.slice(-4000)}`);
  }
  return { bffUrl, fakeUrl: `http://${fakeHost}`, fakeHost, stop };
}

async function waitUntilAnswering(url: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`wrangler exited with ${child.exitCode}`);
    const status = await fetch(url, { signal: AbortSignal.timeout(2000) }).then(
      async (res) => {
        await res.body?.cancel();
        return res.status;
      },
      () => null, // not listening yet
    );
    if (status === 401) return; // signed out: the Worker is up and its config is valid
    if (status !== null) throw new Error(`${url} answered ${status}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`no answer from ${url} within ${READY_TIMEOUT_MS / 1000}s`);
}

/** SIGTERM to the whole process group, SIGKILL if it lingers. */
async function stopGroup(child: ChildProcess): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  signalGroup(child, "SIGTERM");
  const timer = setTimeout(() => signalGroup(child, "SIGKILL"), 5000);
  await exited;
  clearTimeout(timer);
  signalGroup(child, "SIGKILL"); // workerd may outlive wrangler by a moment
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}
