/**
 * `npm run self-host` (selfhost/main.ts) from this checkout, on loopback, against the fake
 * instance: bad configuration exits non-zero with every problem listed and serves nothing; a good
 * one serves the demo frontend and fedi-bff on one origin (as Workers Static Assets does), login,
 * a proxied call and logout; after a stop and a restart on the same data folder the session still
 * works and a new login registers no new app (the Registrar is on disk). The login rate limit
 * still sees the socket peer through the front module. With `ASSETS_DIR=none`, fedi-bff alone.
 * Run by `npm run test:e2e` (CI).
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, statSync } from "node:fs";
import { mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { selfHostConfig } from "../../selfhost/config.ts";
import { DEFAULT_ADMIN_PORT, readSettings } from "../../selfhost/settings.ts";
import { startFakeServer } from "../fake-instance/server.ts";
import { type Site, siteFor } from "../fake-instance/state.ts";
import { CookieJar } from "../helpers/cookie-jar.ts";
import { exitOnSignals } from "./harness.ts";
import { freePort } from "./stack.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const START_TIMEOUT_MS = 120_000;
/** APP_WEBSITE of the production settings (required outside development). */
const WEBSITE = "https://bff.example.org/about";
/** The public socket as the generated config names it: every request marked as the public listener's. */
const PUBLIC_SOCKET =
  'http = (injectRequestHeaders = [ (name = "x-fedi-bff-listener", value = "public") ]), service = "fedi-bff")';

// Interrupted: exit normally, so the exit hook below stops the server.
exitOnSignals();

/** The environment of a fresh shell: PATH and HOME, and what the test sets. */
function environment(vars: Record<string, string>): Record<string, string> {
  return { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...vars };
}

interface Run {
  readonly child: ChildProcess;
  readonly output: () => string;
  readonly exited: Promise<number | null>;
}

/** `node scripts/admin.mjs` — what `npm run admin` runs — with `vars` as its environment. */
function runAdmin(
  args: string[],
  vars: Record<string, string>,
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["scripts/admin.mjs", ...args], {
      cwd: ROOT,
      env: environment(vars),
    });
    let output = "";
    child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.once("exit", (code) => resolve({ code, output }));
  });
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
  // A start as the app makes it (a link would get the confirmation page first).
  const start = await call(origin, `/auth/login?instance=${encodeURIComponent(instance)}`, jar, {
    headers: { "sec-fetch-site": "same-origin", "x-csrf": "1" },
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

interface RawAnswer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/**
 * A request with the path sent byte for byte (fetch would resolve `..` and encode `\\` first) and
 * headers fetch may not set (`Sec-Fetch-Mode: navigate`, a browser's navigation).
 */
function raw(origin: string, path: string, init: { method?: string; headers?: Record<string, string> } = {}) {
  const { hostname, port } = new URL(origin);
  return new Promise<RawAnswer>((resolve, reject) => {
    const req = httpRequest({
      host: hostname,
      port,
      path,
      method: init.method ?? "GET",
      headers: init.headers,
    });
    req.once("error", reject);
    req.once("response", (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.once("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.end();
  });
}

const NAVIGATE = { "sec-fetch-mode": "navigate" };
const DIST = join(ROOT, "demo/dist");

/** The demo's CSP, as demo/public/_headers writes it. */
function demoCsp(): string {
  const line = /^\s+Content-Security-Policy:\s*(.+)$/m.exec(
    readFileSync(join(ROOT, "demo/public/_headers"), "utf8"),
  );
  assert.ok(line);
  return (line[1] as string).trim();
}

const NOT_FOUND = { error: "not_found", error_description: "No such route." };

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
    await refused({ PUBLIC_URL: "https://bff.example.org", APP_WEBSITE: WEBSITE }, ["SESSION_KEYS: missing"]);
  });

  it("with a bad key", async () => {
    await refused(
      {
        PUBLIC_URL: "https://bff.example.org",
        APP_WEBSITE: WEBSITE,
        SESSION_KEYS: "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
      },
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
        APP_WEBSITE: WEBSITE,
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

  it("with a misspelled setting, a cross-site frontend and no PUBLIC_URL: each named with its fix", async () => {
    await refused(
      {
        SESSION_KEYS: newKey(),
        INSTANCE_ALLOW_LIST: "mastodon.social",
        FRONTEND_ORIGINS: "https://app.example.net",
        DATA_DIRS: "/srv",
      },
      [
        "PUBLIC_URL: missing (the BFF's own origin, e.g. https://bff.example.org",
        "APP_WEBSITE: missing (a page that says who runs this deployment",
        "INSTANCE_ALLOW_LIST: not a setting of fedi-bff; did you mean INSTANCE_ALLOWLIST?",
        "DATA_DIRS: not a setting of fedi-bff; did you mean DATA_DIR?",
      ],
    );
    await refused(
      {
        SESSION_KEYS: newKey(),
        PUBLIC_URL: "https://bff.example.org",
        APP_WEBSITE: "https://bff.example.org/about",
        FRONTEND_ORIGINS: "https://app.example.net",
      },
      [
        'FRONTEND_ORIGINS: "https://app.example.net" is not on the same site as PUBLIC_URL https://bff.example.org',
      ],
    );
  });

  it("with a frontend folder that cannot be served: every problem, nothing served", async () => {
    const folder = await mkdtemp(join(tmpdir(), "fedi-bff-assets-"));
    await writeFile(
      join(folder, "_headers"),
      "https://app.example.org/*\n  X-Frame-Options: DENY\n/*\n  nonsense\n",
    );
    try {
      const base = { SESSION_KEYS: newKey(), PUBLIC_URL: "https://bff.example.org", APP_WEBSITE: WEBSITE };
      await refused({ ...base, ASSETS_DIR: folder }, [
        `ASSETS_DIR: ${folder} has no index.html`,
        `ASSETS_DIR: ${folder}/_headers line 1: "https://app.example.org/*" is not a path starting with / (absolute URLs are not supported)`,
        `ASSETS_DIR: ${folder}/_headers line 4: "nonsense" is not a "Name: value" header line`,
      ]);
      await refused({ ...base, ASSETS_DIR: join(folder, "missing") }, [
        `ASSETS_DIR: ${join(folder, "missing")} is not a folder`,
      ]);
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });

  it("with the frontend folder around the data folder", async () => {
    await refused(
      {
        SESSION_KEYS: newKey(),
        PUBLIC_URL: "https://bff.example.org",
        APP_WEBSITE: WEBSITE,
        ASSETS_DIR: tmpdir(),
      },
      [`ASSETS_DIR: ${tmpdir()} overlaps DATA_DIR`],
    );
  });

  it("with the data folder inside the frontend folder by another spelling (a symlink)", async () => {
    const folder = await mkdtemp(join(tmpdir(), "fedi-bff-assets-"));
    const link = `${folder}-link`;
    await writeFile(join(folder, "index.html"), "<!doctype html>");
    await symlink(folder, link);
    try {
      const { problems } = readSettings(
        {
          SESSION_KEYS: newKey(),
          PUBLIC_URL: "https://bff.example.org",
          APP_WEBSITE: WEBSITE,
          ASSETS_DIR: folder,
          DATA_DIR: join(link, "data"),
        },
        ROOT,
      );
      assert.deepEqual(problems, [
        `ASSETS_DIR: ${folder} overlaps DATA_DIR (${join(link, "data")}); keep them apart`,
      ]);
    } finally {
      await rm(link, { force: true });
      await rm(folder, { recursive: true, force: true });
    }
  });
});

describe("the generated workerd config", () => {
  const key = newKey();
  const rules = [{ path: "/*", set: [["X-Frame-Options", "DENY"]] as [string, string][], detach: [] }];
  const config = (vars: Record<string, string>) => {
    const { settings, problems } = readSettings({ SESSION_KEYS: key, ...vars }, "/srv");
    assert.deepEqual(problems, []);
    return selfHostConfig(settings as NonNullable<typeof settings>, {
      bundle: "/srv/data/build/index.js",
      front: { module: "/srv/data/build/front.js", rules },
    });
  };

  it("in production: named bindings only, no KV, no limiter, the Registrar on disk, public outbound only", () => {
    const text = config({
      PUBLIC_URL: "https://bff.example.org",
      APP_WEBSITE: WEBSITE,
      TRUSTED_PROXIES: "127.0.0.1",
    });
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

  it("by default: the front and fedi-bff's bundle in one Worker, wrangler.toml's folder read-only, the _headers rules", () => {
    const text = config({ PUBLIC_URL: "https://bff.example.org", APP_WEBSITE: WEBSITE });
    // One isolate: the front module first (the main module), the production bundle beside it.
    assert.ok(
      text.includes(
        '(name = "fedi-bff", worker = (\n    modules = [ (name = "front.js", esModule = embed "build/front.js"), (name = "fedi-bff-bundle.js", esModule = embed "build/index.js") ],',
      ),
    );
    assert.match(text, /\(name = "FILES", service = "frontend-files"\)/);
    assert.ok(text.includes(`(name = "HEADERS", json = ${JSON.stringify(JSON.stringify(rules))})`));
    assert.ok(
      text.includes(`(name = "frontend-files", disk = (path = ${JSON.stringify(DIST)}, writable = false))`),
    );
    assert.ok(text.includes(PUBLIC_SOCKET), text);
  });

  it("with ASSETS_DIR=none: fedi-bff alone on the socket", () => {
    for (const value of ["none", "", " "]) {
      const text = config({ PUBLIC_URL: "https://bff.example.org", APP_WEBSITE: WEBSITE, ASSETS_DIR: value });
      assert.ok(!text.includes("front") && !text.includes("frontend-files"), value);
      assert.ok(text.includes(PUBLIC_SOCKET), text);
    }
  });

  it("with ADMIN_TOKEN: a loopback admin socket; its header replaces any a client sends on either", () => {
    const token = "t0k3n-Adm1n_9f8e7d6c5b4a3Z2Y1X0WvU";
    const text = config({ PUBLIC_URL: "https://bff.example.org", APP_WEBSITE: WEBSITE, ADMIN_TOKEN: token });
    assert.ok(!text.includes(token));
    assert.ok(text.includes('(name = "ADMIN_TOKEN", fromEnvironment = "ADMIN_TOKEN")'));
    assert.ok(text.includes(PUBLIC_SOCKET));
    assert.ok(
      text.includes(
        `(name = "admin", address = "127.0.0.1:${DEFAULT_ADMIN_PORT}", http = (injectRequestHeaders = [ (name = "x-fedi-bff-listener", value = "admin") ]), service = "fedi-bff")`,
      ),
    );
    const moved = config({
      PUBLIC_URL: "https://bff.example.org",
      APP_WEBSITE: WEBSITE,
      ADMIN_TOKEN: token,
      ADMIN_PORT: "9999",
      LISTEN_ADDRESS: "*",
    });
    assert.ok(moved.includes('(name = "admin", address = "127.0.0.1:9999"'));
    assert.ok(
      !config({ PUBLIC_URL: "https://bff.example.org", APP_WEBSITE: WEBSITE }).includes('name = "admin"'),
    );
    const { problems } = readSettings(
      { SESSION_KEYS: key, PUBLIC_URL: "https://bff.example.org", APP_WEBSITE: WEBSITE, ADMIN_PORT: "9999" },
      "/srv",
    );
    assert.deepEqual(problems, ["ADMIN_PORT: set, but ADMIN_TOKEN is not (the admin routes need it)"]);
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
  let adminPort = 0;
  const adminToken = "t0k3n-Adm1n_9f8e7d6c5b4a3Z2Y1X0WvU";

  before(async () => {
    adminPort = await freePort();
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
      ADMIN_TOKEN: adminToken,
      ADMIN_PORT: String(adminPort),
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

  it("answers the admin routes and the metrics on the loopback admin listener only", async () => {
    const bearer = { authorization: `Bearer ${adminToken}` };
    const admin = `http://127.0.0.1:${adminPort}`;
    const list = await fetch(`${admin}/_fedi-bff/instances`, { headers: bearer });
    assert.equal(list.status, 200);
    assert.deepEqual(((await list.json()) as { instances: string[] }).instances, [instance]);
    const metrics = await fetch(`${admin}/_fedi-bff/metrics`, { headers: bearer });
    assert.equal(metrics.status, 200);
    assert.match(
      await metrics.text(),
      /fedi_bff_events_total\{instance="127\.0\.0\.1:\d+",event="login_completed",outcome="ok",reason=""\} 2/,
    );
    assert.equal((await fetch(`${admin}/_fedi-bff/metrics`)).status, 401);
    // The public listener: no admin route, whatever a client claims to be.
    for (const path of ["/_fedi-bff/instances", "/_fedi-bff/metrics"]) {
      const res = await fetch(`${origin}${path}`, { headers: { ...bearer, "x-fedi-bff-listener": "admin" } });
      assert.equal(res.status, 404, path);
    }
    const ready = await fetch(`${origin}/_fedi-bff/ready`, { headers: bearer });
    assert.equal(ready.status, 200);
    assert.deepEqual(await ready.json(), { ready: true });
    const detailed = await fetch(`${admin}/_fedi-bff/ready`, { headers: bearer });
    assert.equal(((await detailed.json()) as { checks: unknown[] }).checks.length, 3);
    assert.equal((await fetch(`${origin}/_fedi-bff/live`)).status, 200);
    // The operator's command, as `npm run admin -- status <host>` runs it.
    const status = await runAdmin(["status", instance], {
      ADMIN_TOKEN: adminToken,
      ADMIN_PORT: String(adminPort),
    });
    assert.equal(status.code, 0, status.output);
    assert.match(status.output, /"registered": true/);
    assert.ok(!status.output.includes(adminToken));
    const refused = await runAdmin(["list"], {
      ADMIN_TOKEN: `${adminToken}x`,
      ADMIN_PORT: String(adminPort),
    });
    assert.equal(refused.code, 1);
    assert.match(refused.output, /not_authenticated/);
  });

  it("serves the demo's files and fedi-bff on one origin", async () => {
    const index = readFileSync(join(DIST, "index.html"), "utf8");
    for (const [path, headers] of [
      ["/", {}],
      ["/@alice/123", NAVIGATE],
      ["/%40alice/123", NAVIGATE],
    ] as const) {
      const page = await raw(origin, path, { headers });
      assert.equal(page.status, 200, path);
      assert.equal(page.headers["content-type"], "text/html; charset=utf-8");
      assert.equal(page.headers["content-security-policy"], demoCsp());
      assert.equal(page.headers["x-content-type-options"], "nosniff");
      assert.equal(page.body, index);
    }
    const script = await fetch(new URL("/demo.js", origin));
    assert.equal(script.status, 200);
    assert.equal(script.headers.get("content-type"), "text/javascript; charset=utf-8");
    assert.equal(await script.text(), readFileSync(join(DIST, "demo.js"), "utf8"));
    const style = await fetch(new URL("/style.css", origin), { method: "HEAD" });
    assert.equal(style.status, 200);
    assert.equal(style.headers.get("content-type"), "text/css; charset=utf-8");
    assert.equal(style.headers.get("content-length"), String(statSync(join(DIST, "style.css")).size));
    // A missing file that is no navigation: fedi-bff's answer, as on Cloudflare.
    const missing = await fetch(new URL("/missing.js", origin));
    assert.equal(missing.status, 404);
    assert.deepEqual(await missing.json(), NOT_FOUND);
    const headersFile = await raw(origin, "/_headers");
    assert.equal(headersFile.status, 404);
  });

  it("answers fedi-bff's paths with fedi-bff's JSON, never index.html", async () => {
    for (const headers of [{}, NAVIGATE]) {
      const session = await raw(origin, "/auth/session", { headers });
      assert.equal(session.status, 401);
      assert.equal((JSON.parse(session.body) as { error: string }).error, "not_authenticated");
      assert.match(session.headers["content-type"] ?? "", /^application\/json/);
      assert.notEqual(
        session.headers["content-security-policy"],
        demoCsp(),
        "the page's headers stay on pages",
      );
      const home = await raw(origin, "/api/v1/timelines/home", { headers: { ...headers, "x-csrf": "1" } });
      assert.equal(home.status, 401);
      assert.equal((JSON.parse(home.body) as { error: string }).error, "not_authenticated");
    }
  });

  it("never serves anything outside the folder, however the path is spelled", async () => {
    const index = readFileSync(join(DIST, "index.html"), "utf8");
    const secrets = ["demo/tsconfig.json", "package.json", "demo/public/_headers"].map((p) =>
      readFileSync(join(ROOT, p), "utf8"),
    );
    const attempts = [
      "/../tsconfig.json",
      "/../../package.json",
      "/%2e%2e/tsconfig.json",
      "/%2E%2E/%2e%2e/package.json",
      "/..%2ftsconfig.json",
      "/%2e%2e%2f%2e%2e%2fpackage.json",
      "/public%2f..%2f..%2fpackage.json",
      "/..%5ctsconfig.json",
      "/..\\..\\package.json",
      "/%5c..%5c..%5cpackage.json",
      "/public/..%2f_headers",
      "/.%2e/.%2e/package.json",
      "//etc/passwd",
      "/%2fetc%2fpasswd",
      "/package.json%00.html",
    ];
    for (const path of attempts) {
      const plain = await raw(origin, path);
      assert.ok(!secrets.includes(plain.body), path);
      assert.equal(plain.status, 404, `${path}: ${plain.body}`);
      assert.deepEqual(JSON.parse(plain.body), NOT_FOUND, path);
      const navigation = await raw(origin, path, { headers: NAVIGATE });
      assert.equal(navigation.status, 200, path);
      assert.equal(navigation.body, index, path);
    }
  });

  it("refuses other methods off fedi-bff's paths with 405", async () => {
    for (const [method, path] of [
      ["POST", "/"],
      ["PUT", "/demo.js"],
      ["DELETE", "/index.html"],
      ["POST", "/@alice"],
    ]) {
      const res = await raw(origin, path as string, { method });
      assert.equal(res.status, 405, `${method} ${path}`);
      assert.equal(res.headers.allow, "GET, HEAD");
    }
  });

  it("limits login starts by the socket peer, whatever CF-Connecting-IP or X-Forwarded-For says", async () => {
    // Without TRUSTED_PROXIES the peer (127.0.0.1) is the client: a client's headers choose no bucket.
    const start = (n: number) =>
      raw(origin, `/auth/login?instance=${encodeURIComponent(instance)}`, {
        headers: {
          "sec-fetch-site": "same-origin",
          "x-csrf": "1",
          "cf-connecting-ip": `198.51.100.${n}`,
          "x-forwarded-for": `203.0.113.${n}`,
        },
      });
    let first429 = 0;
    for (let n = 1; n <= 21 && first429 === 0; n++) if ((await start(n)).status === 429) first429 = n;
    // Up to 20 starts a minute from one address; this run's logins above counted too.
    assert.ok(first429 >= 1 && first429 <= 21, String(first429));
    const fresh = await start(99);
    assert.equal(fresh.status, 429);
    assert.equal((JSON.parse(fresh.body) as { error: string }).error, "rate_limited");
  });

  it("stops on SIGTERM with status 0", async () => {
    assert.equal(await stop(run as Run), 0);
    run = undefined;
  });

  it("after a restart: the session still works, and a new login registers no new app", async () => {
    // Now behind a (pretend) reverse proxy on loopback, for the next test.
    run = selfHost({ ...vars, TRUSTED_PROXIES: "127.0.0.1" });
    assert.equal(await serving(run), origin);
    const me = await verifyCredentials(origin, jar);
    assert.equal(me.status, 200);
    const again = await login(origin, instance);
    assert.equal((await verifyCredentials(origin, again)).status, 200);
    assert.equal(site.registrations, 1, "the registration came from the data folder");
    const out = await call(origin, "/auth/logout", again, { method: "POST", headers: { "x-csrf": "1" } });
    assert.equal(out.status, 204);
  });

  it("behind a trusted proxy: the client is the proxy's X-Forwarded-For hop, through the front module", async () => {
    const start = (client: string) =>
      raw(origin, `/auth/login?instance=${encodeURIComponent(instance)}`, {
        headers: { "sec-fetch-site": "same-origin", "x-csrf": "1", "x-forwarded-for": client },
      });
    // 25 clients, one start each: 25 buckets, none full.
    for (let n = 1; n <= 25; n++) assert.equal((await start(`203.0.113.${n}`)).status, 302, String(n));
    // One client: 20 starts a minute (its first was above).
    for (let n = 2; n <= 20; n++) assert.equal((await start("203.0.113.1")).status, 302, String(n));
    assert.equal((await start("203.0.113.1")).status, 429);
    assert.equal((await start("203.0.113.2")).status, 302);
  });
});

describe("npm run self-host with ASSETS_DIR=none: fedi-bff alone", { timeout: 2 * START_TIMEOUT_MS }, () => {
  let dataDir = "";
  let run: Run | undefined;

  after(async () => {
    if (run !== undefined) await stop(run);
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it("answers / with fedi-bff's JSON 404, and fedi-bff's paths as ever", async () => {
    dataDir = await mkdtemp(join(tmpdir(), "fedi-bff-self-host-bare-"));
    const port = await freePort();
    const vars = { SESSION_KEYS: newKey(), PUBLIC_URL: `http://127.0.0.1:${port}` };
    run = selfHost({
      ...vars,
      ENVIRONMENT: "development",
      PORT: String(port),
      DATA_DIR: dataDir,
      ASSETS_DIR: "none",
    });
    const origin = await serving(run);
    assert.match(run.output(), /no frontend\)/);
    for (const headers of [{}, NAVIGATE]) {
      const root = await raw(origin, "/", { headers });
      assert.equal(root.status, 404);
      assert.deepEqual(JSON.parse(root.body), NOT_FOUND);
    }
    assert.equal((await raw(origin, "/demo.js")).status, 404);
    assert.equal((await raw(origin, "/auth/session")).status, 401);
    assert.ok(!readFileSync(join(dataDir, "workerd.capnp"), "utf8").includes("frontend-files"));
  });
});
