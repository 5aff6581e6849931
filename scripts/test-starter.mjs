// The README's "Use it in your app" path, walked in an empty folder with the packed package
// (scripts/test-example.mjs packs it and calls this): install, `npx fedi-bff init`, typecheck,
// `wrangler dev` (what `npm run dev` runs), then a sign-in through the fake instance, the app's
// own route, the home timeline and a logout. The dev tools the README installs beside the package
// (wrangler, TypeScript, the Workers types) are linked from this repository's node_modules rather
// than downloaded again.
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../", import.meta.url));
const npm = process.platform === "win32" ? "npm.cmd" : "npm";
const npx = process.platform === "win32" ? "npx.cmd" : "npx";
const READY_MS = 90_000;

function check(condition, message) {
  if (!condition) throw new Error(`starter: ${message}`);
}

async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A cookie jar for one origin: enough for fedi-bff's own cookies. */
function jar() {
  const cookies = new Map();
  return {
    header: () => [...cookies].map(([k, v]) => `${k}=${v}`).join("; "),
    store(res) {
      for (const line of res.headers.getSetCookie()) {
        const [pair = ""] = line.split(";");
        const eq = pair.indexOf("=");
        if (/max-age=0/i.test(line)) cookies.delete(pair.slice(0, eq));
        else cookies.set(pair.slice(0, eq), pair.slice(eq + 1));
      }
    },
  };
}

/** Creates the project the README's steps make; returns its folder. */
function makeProject(tarball) {
  const dir = mkdtempSync(join(tmpdir(), "fedi-bff-starter-"));
  const run = (cmd, args) =>
    execFileSync(cmd, args, {
      cwd: dir,
      env: { ...process.env, PWD: dir },
      stdio: ["ignore", "pipe", "pipe"],
    });
  run(npm, ["init", "-y"]);
  run(npm, ["install", "--no-audit", "--no-fund", "--prefer-offline", "--silent", tarball, "hono"]);
  mkdirSync(join(dir, "node_modules/@cloudflare"), { recursive: true });
  for (const tool of ["wrangler", "typescript", "@cloudflare/workers-types"]) {
    symlinkSync(join(root, "node_modules", tool), join(dir, "node_modules", tool));
  }
  // Step 2 of the README: the package's own command (its "bin", as npx finds it) writes the starter.
  run(npx, ["--no-install", "fedi-bff", "init"]);
  run(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-p", "."]);
  return dir;
}

/** `wrangler dev` in the project, allowed to reach the fake instance over http; resolves when it answers. */
async function startDev(dir, fakeHost) {
  const port = await freePort();
  const inspector = await freePort();
  const wrangler = join(root, "node_modules/wrangler/bin/wrangler.js");
  const args = ["dev", "--ip", "127.0.0.1", "--port", String(port), "--inspector-port", String(inspector)];
  args.push("--var", `ALLOW_INSECURE_INSTANCES:${fakeHost}`);
  const child = spawn(process.execPath, [wrangler, ...args], {
    cwd: dir,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, CI: "true", WRANGLER_SEND_METRICS: "false", PWD: dir },
  });
  let output = "";
  child.stdout.on("data", (chunk) => (output += chunk));
  child.stderr.on("data", (chunk) => (output += chunk));
  const stop = () => {
    try {
      process.kill(-child.pid, "SIGKILL");
    } catch {}
  };
  process.once("exit", stop);
  const origin = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + READY_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    const ok = await fetch(`${origin}/hello`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return { origin, stop };
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  stop();
  throw new Error(`starter: wrangler dev did not answer:\n${output}`);
}

/** Signs in as alice through the fake instance and uses the session as the starter's page does. */
async function walk(origin, fakeHost, site) {
  const cookies = jar();
  const call = async (path, init = {}) => {
    const headers = new Headers(init.headers);
    if (cookies.header()) headers.set("cookie", cookies.header());
    const res = await fetch(new URL(path, origin), { ...init, headers, redirect: "manual" });
    cookies.store(res);
    return res;
  };
  const page = await call("/");
  check(
    page.status === 200 && (await page.text()).includes("<h1>My fedi app</h1>"),
    "the frontend is served",
  );
  check((await (await call("/hello")).json()).hello !== undefined, "the app's own route answers");
  check((await call("/auth/session")).status === 401, "signed out at first");
  // The page's login form: a same-origin form POST.
  const start = await call("/auth/login", {
    method: "POST",
    headers: { origin, "sec-fetch-site": "same-origin", "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ instance: fakeHost }),
  });
  const authorize = start.headers.get("location") ?? "";
  check(
    start.status === 302 && authorize.startsWith(`http://${fakeHost}/oauth/authorize?`),
    `login start: ${start.status}`,
  );
  const consent = await fetch(authorize, { headers: { "x-fake-user": "alice" }, redirect: "manual" });
  const back = new URL(consent.headers.get("location") ?? "");
  const callback = await call(back.pathname + back.search);
  check(callback.status === 302 && callback.headers.get("location") === "/", `callback: ${callback.status}`);
  const session = await (await call("/auth/session")).json();
  check(session.account?.acct === "alice", "signed in as alice");
  const names = [...site.apps.values()].map((app) => app.name);
  check(names.includes("My fedi app"), `the instance shows the appName option, not ${names.join(", ")}`);
  const home = await call("/api/v1/timelines/home?limit=5", { headers: { "x-csrf": "1" } });
  check(home.status === 200 && Array.isArray(await home.json()), "the home timeline through the proxy");
  check(
    (await call("/auth/logout", { method: "POST", headers: { "x-csrf": "1" } })).status === 204,
    "logout",
  );
}

export async function testStarter(tarball) {
  const started = Date.now();
  const { startFakeServer } = await import("../test/fake-instance/server.ts");
  const { siteFor } = await import("../test/fake-instance/state.ts");
  const fake = await startFakeServer({ port: 0, host: "127.0.0.1" });
  const fakeHost = `127.0.0.1:${fake.port}`;
  const dir = makeProject(tarball);
  let dev;
  try {
    check(readFileSync(join(dir, ".dev.vars"), "utf8").includes("ENVIRONMENT=development"), ".dev.vars");
    dev = await startDev(dir, fakeHost);
    await walk(dev.origin, fakeHost, siteFor(`http://${fakeHost}`, "mastodon"));
  } finally {
    dev?.stop();
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(
    `starter: installed from the tarball, signed in and out in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
}
