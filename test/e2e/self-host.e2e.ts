/**
 * `npm run self-host` (selfhost/main.ts) from this checkout, on loopback, against the fake
 * instance: bad configuration exits non-zero with every problem listed and serves nothing; a good
 * one serves login, a proxied call and logout; after a stop and a restart on the same data folder
 * the session still works and a new login registers no new app (the Registrar is on disk).
 * Run by `npm run test:e2e` (CI).
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, statSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { selfHostConfig } from "../../selfhost/config.ts";
import { readSettings, WORKER_VARIABLES } from "../../selfhost/settings.ts";
import { startFakeServer } from "../fake-instance/server.ts";
import { type Site, siteFor } from "../fake-instance/state.ts";
import { CookieJar } from "../helpers/cookie-jar.ts";
import { freePort } from "./stack.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const START_TIMEOUT_MS = 120_000;

// Interrupted (Ctrl-C): exit normally, so the exit hook below stops the server.
for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => process.exit(130));

/** The environment of a fresh shell: PATH and HOME, and what the test sets. */
function environment(vars: Record<string, string>): Record<string, string> {
  return { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...vars };
}

interface Run {
  readonly child: ChildProcess;
  readonly output: () => string;
  readonly exited: Promise<number | null>;
}

/** `node selfhost/main.ts` — what `npm run self-host` runs — in its own process group. */
function selfHost(vars: Record<string, string>, args: string[] = []): Run {
  const child = spawn(process.execPath, ["selfhost/main.ts", ...args], {
    cwd: ROOT,
    env: environment(vars),
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let text = "";
  child.stdout?.on("data", (chunk: Buffer) => (text += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (text += chunk.toString()));
  const kill = () => signalGroup(child, "SIGKILL");
  process.once("exit", kill);
  const exited = new Promise<number | null>((resolve) =>
    child.once("exit", (code) => {
      process.off("exit", kill);
      resolve(code);
    }),
  );
  return { child, output: () => text, exited };
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

/** Waits for "serving on http://…" and returns that origin. */
async function serving(run: Run): Promise<string> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const match = /serving on (http:\/\/[^\s]+)/.exec(run.output());
    if (match) return match[1] as string;
    if (run.child.exitCode !== null)
      throw new Error(`self-host exited ${run.child.exitCode}:\n${run.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`self-host did not start:\n${run.output()}`);
}

/** SIGTERM to the command alone (it passes it on to workerd); resolves with the exit status. */
async function stop(run: Run): Promise<number | null> {
  run.child.kill("SIGTERM");
  const timer = setTimeout(() => signalGroup(run.child, "SIGKILL"), 10_000);
  const code = await run.exited;
  clearTimeout(timer);
  return code;
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

async function call(origin: string, path: string, jar: CookieJar, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (jar.cookies.size > 0) headers.set("cookie", jar.header());
  const res = await fetch(new URL(path, origin), { ...init, headers, redirect: "manual" });
  jar.store(res);
  return res;
}

/** Start → the instance's consent (as alice) → callback; returns the signed-in jar. */
async function login(origin: string, instance: string): Promise<CookieJar> {
  const jar = new CookieJar();
  // A start from the app's own page (an outside link would get the confirmation page first).
  const start = await call(origin, `/auth/login?instance=${encodeURIComponent(instance)}`, jar, {
    headers: { "sec-fetch-site": "same-origin" },
  });
  assert.equal(start.status, 302, await start.text());
  const authorize = start.headers.get("location") ?? "";
  assert.ok(authorize.startsWith(`http://${instance}/oauth/authorize?`), authorize);
  const consent = await fetch(authorize, { headers: { "x-fake-user": "alice" }, redirect: "manual" });
  assert.equal(consent.status, 302);
  const back = new URL(consent.headers.get("location") ?? "");
  assert.equal(back.origin, origin);
  const callback = await call(origin, back.pathname + back.search, jar);
  assert.equal(callback.status, 302, await callback.text());
  assert.equal(callback.headers.get("location"), "/");
  return jar;
}

async function verifyCredentials(origin: string, jar: CookieJar): Promise<Response> {
  return call(origin, "/api/v1/accounts/verify_credentials", jar, { headers: { "x-csrf": "1" } });
}

const newKey = () => randomBytes(32).toString("base64url");

describe("npm run self-host: bad configuration", { timeout: 60_000 }, () => {
  /** Runs the command; asserts a non-zero exit, each expected line, and nothing served or built. */
  async function refused(vars: Record<string, string>, expected: string[]): Promise<void> {
    const port = await freePort();
    const dataDir = join(tmpdir(), `fedi-bff-bad-${randomBytes(6).toString("hex")}`);
    const run = selfHost({ PORT: String(port), DATA_DIR: dataDir, ...vars });
    const code = await run.exited;
    assert.equal(code, 1, run.output());
    assert.match(
      run.output(),
      new RegExp(`${expected.length} configuration problem\\(s\\); nothing is served`),
    );
    for (const line of expected) assert.ok(run.output().includes(`  - ${line}`), `${line}\n${run.output()}`);
    assert.equal(await listening(port), false);
    assert.equal(existsSync(dataDir), false, "nothing was built or written");
  }

  it("without a key", async () => {
    await refused({ PUBLIC_URL: "https://bff.example.org" }, ["SESSION_KEYS: missing"]);
  });

  it("with a bad key", async () => {
    await refused(
      { PUBLIC_URL: "https://bff.example.org", SESSION_KEYS: "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" },
      ["SESSION_KEYS: key #1 is not random"],
    );
  });

  it("with unknown values: every problem at once, the key never printed", async () => {
    const key = `${newKey()},not-a-key`;
    await refused(
      {
        ENVIRONMENT: "prod",
        SESSION_KEYS: key,
        PUBLIC_URL: "http://bff.example.org",
        PUBLIC_PROXY: "maybe",
        TRUSTED_PROXIES: "proxy.example.org",
        ALLOW_INSECURE_INSTANCES: "127.0.0.1:3999",
        PORT: "http",
        LISTEN_ADDRESS: "somewhere",
      },
      [
        'ENVIRONMENT: "prod" is not one of production, development',
        "SESSION_KEYS: key #2 is not 32 bytes of base64url",
        "PUBLIC_URL: must be https",
        "ALLOW_INSECURE_INSTANCES: only allowed with ENVIRONMENT=development",
        'PUBLIC_PROXY: must be true or false, not "maybe"',
        'TRUSTED_PROXIES: "proxy.example.org" is not an IP address or CIDR range',
        'PORT: "http" is not a port number (0–65535)',
        'LISTEN_ADDRESS: "somewhere" is not an IP address, localhost or *',
      ],
    );
  });

  it("passes every variable of the Worker's Env on to workerd", () => {
    const source = readFileSync(join(ROOT, "src/config/env.ts"), "utf8");
    const vars = [...source.matchAll(/^ {2}([A-Z][A-Z_]+)\?: string;$/gm)].map((m) => m[1]);
    assert.ok(vars.length > 10);
    assert.deepEqual([...vars].sort(), [...WORKER_VARIABLES].sort());
  });
});

describe("the generated workerd config", () => {
  const key = newKey();
  const config = (vars: Record<string, string>) => {
    const { settings, problems } = readSettings({ SESSION_KEYS: key, ...vars }, "/srv");
    assert.deepEqual(problems, []);
    return selfHostConfig(settings as NonNullable<typeof settings>, "/srv/data/build/index.js");
  };

  it("in production: named bindings only, no KV, no limiter, the Registrar on disk, public outbound only", () => {
    const text = config({ PUBLIC_URL: "https://bff.example.org", TRUSTED_PROXIES: "127.0.0.1" });
    assert.ok(!text.includes(key));
    assert.ok(!text.includes("bff.example.org"), "values stay in the environment");
    for (const name of ["SESSION_KEYS", "PUBLIC_URL", "TRUSTED_PROXIES"]) {
      assert.ok(text.includes(`(name = "${name}", fromEnvironment = "${name}")`), name);
    }
    assert.ok(!text.includes("APPS") && !text.includes("LOGIN_LIMITER") && !text.includes("ENVIRONMENT"));
    assert.match(text, /esModule = embed "build\/index.js"/);
    assert.match(text, /uniqueKey = "fedi-bff-Registrar"/);
    assert.match(text, /durableObjectStorage = \(localDisk = "fedi-bff-data"\)/);
    assert.match(text, /disk = \(path = "\/srv\/data\/durable-objects", writable = true\)/);
    assert.match(text, /network = \(allow = \[ "public" \]/);
    assert.match(text, /address = "127.0.0.1:8787"/);
  });

  it("in development: loopback instances are reachable; addresses as workerd reads them", () => {
    const text = config({ ENVIRONMENT: "development", LISTEN_ADDRESS: "::1", PORT: "9000" });
    assert.match(text, /network = \(allow = \[ "public", "local" \]/);
    assert.match(text, /address = "\[::1\]:9000"/);
  });
});

describe("npm run self-host: login, proxy, logout, restart", { timeout: 4 * START_TIMEOUT_MS }, () => {
  let fake: { port: number; close: () => Promise<void> } | undefined;
  let site: Site;
  let instance = "";
  let dataDir = "";
  let vars: Record<string, string> = {};
  let run: Run | undefined;
  let origin = "";
  let jar = new CookieJar();

  before(async () => {
    fake = await startFakeServer({ port: 0, host: "127.0.0.1" });
    instance = `127.0.0.1:${fake.port}`;
    site = siteFor(`http://${instance}`, "mastodon");
    dataDir = await mkdtemp(join(tmpdir(), "fedi-bff-self-host-"));
    const port = await freePort();
    // The fake instance is plain http on loopback: allowed only in development, for that one host.
    vars = {
      ENVIRONMENT: "development",
      SESSION_KEYS: newKey(),
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      ALLOW_INSECURE_INSTANCES: instance,
      PORT: String(port),
      DATA_DIR: dataDir,
    };
  });

  after(async () => {
    if (run !== undefined) await stop(run);
    await fake?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it("starts, and writes its config owner-only without any secret in it", async () => {
    run = selfHost(vars);
    origin = await serving(run);
    assert.equal(origin, vars.PUBLIC_URL);
    const config = join(dataDir, "workerd.capnp");
    assert.equal(statSync(config).mode & 0o777, 0o600);
    assert.equal(statSync(dataDir).mode & 0o777, 0o700);
    const text = readFileSync(config, "utf8");
    assert.ok(!text.includes(vars.SESSION_KEYS as string), "the key is not in the config");
    assert.match(text, /fromEnvironment = "SESSION_KEYS"/);
    assert.ok(!run.output().includes(vars.SESSION_KEYS as string), "the key is not in the output");
  });

  it("logs in, proxies a call and logs out", async () => {
    jar = await login(origin, instance);
    const me = await verifyCredentials(origin, jar);
    assert.equal(me.status, 200);
    assert.equal(((await me.json()) as { username: string }).username, "alice");
    const other = await login(origin, instance);
    const out = await call(origin, "/auth/logout", other, { method: "POST", headers: { "x-csrf": "1" } });
    assert.equal(out.status, 204);
    assert.equal((await verifyCredentials(origin, other)).status, 401);
    assert.equal(site.registrations, 1);
  });

  it("stops on SIGTERM with status 0", async () => {
    assert.equal(await stop(run as Run), 0);
    run = undefined;
  });

  it("after a restart: the session still works, and a new login registers no new app", async () => {
    run = selfHost(vars);
    assert.equal(await serving(run), origin);
    const me = await verifyCredentials(origin, jar);
    assert.equal(me.status, 200);
    const again = await login(origin, instance);
    assert.equal((await verifyCredentials(origin, again)).status, 200);
    assert.equal(site.registrations, 1, "the registration came from the data folder");
    const out = await call(origin, "/auth/logout", again, { method: "POST", headers: { "x-csrf": "1" } });
    assert.equal(out.status, 204);
  });
});
