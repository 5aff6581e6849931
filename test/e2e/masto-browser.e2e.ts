/**
 * The masto.js recipe of docs/masto.md in a real browser: its code (test/e2e/masto-page/masto.ts
 * and timeline.ts, which must equal that page's blocks byte for byte) is bundled with masto.js
 * by esbuild and served by `wrangler dev --assets` from the BFF's own origin, so the session
 * cookie, `Origin`, `Sec-Fetch-Site` and `X-CSRF` checks are the real ones. Debian's Chromium
 * signs in through the fake instance's HTML pages, then masto.js verifies credentials, pages
 * through the home timeline along the rewritten `Link` header, posts, and reads the user stream
 * through the BFF's WebSocket — with no token in the page.
 */

import assert from "node:assert/strict";
import { copyFile, mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import type { Browser, Page, Request } from "playwright-core";
import { type Site, siteFor } from "../fake-instance/state.ts";
import { launchChromium } from "./chromium.ts";
import { exitOnSignals, newContext, signInAtInstance } from "./harness.ts";
// For its `window.mastoPage` declaration.
import type {} from "./masto-page/page.ts";
import { type Stack, startStack } from "./stack.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const PAGE_DIR = join(ROOT, "test/e2e/masto-page");
/** Where `wrangler dev --assets` serves the bundled page. */
const PAGE_PATH = "/masto/";
exitOnSignals();

/** The ```ts blocks of docs/masto.md, in order. */
async function readmeBlocks(): Promise<string[]> {
  const section = await readFile(join(ROOT, "docs/masto.md"), "utf8");
  return [...section.matchAll(/\n```ts\n([\s\S]*?)\n```\n/g)].map((m) => `${m[1]}\n`);
}

let stack: Stack | undefined;
let browser: Browser | undefined;
let page: Page;
let fake: Site;
let workDir = "";
/** Every request the page made, in order. */
const requests: Request[] = [];
/** Uncaught errors in the page. */
const pageErrors: string[] = [];
/** The URL of every WebSocket the page opened. */
const sockets: string[] = [];
/** Everything the page received (URL, headers, body), to search for tokens. */
const received: Promise<string>[] = [];

async function record(req: Request): Promise<string> {
  const res = await req.response().catch(() => null);
  if (res === null) return req.url();
  const body = await res.body().then(
    (bytes) => bytes.toString("utf8"),
    () => "",
  );
  const headers = await res.allHeaders().catch(() => ({}));
  return `${res.url()}\n${JSON.stringify(headers)}\n${body}`;
}

/** The page's requests to `path` on the BFF: method, URL and every header the browser sent. */
const apiRequests = (path: string) =>
  Promise.all(
    requests
      .filter((r) => r.url().startsWith(`${stack?.bffUrl}/`) && new URL(r.url()).pathname === path)
      .map(async (r) => ({ method: r.method(), url: r.url(), headers: await r.allHeaders() })),
  );

describe("masto.js in Chromium through fedi-bff", { timeout: 120_000 }, () => {
  before(async () => {
    workDir = await mkdtemp(join(tmpdir(), "fedi-bff-masto-e2e-"));
    const assets = join(workDir, "assets");
    await mkdir(join(assets, PAGE_PATH), { recursive: true });
    await build({
      entryPoints: [join(PAGE_DIR, "page.ts")],
      bundle: true,
      format: "esm",
      platform: "browser",
      target: "chrome120",
      outfile: join(assets, PAGE_PATH, "page.js"),
      logLevel: "silent",
    });
    await copyFile(join(PAGE_DIR, "index.html"), join(assets, PAGE_PATH, "index.html"));
    stack = await startStack({
      fakePort: 0,
      bffPort: 0,
      inspectorPort: 0,
      persistTo: join(workDir, "state"),
      output: "buffer",
      wranglerArgs: ["--assets", assets],
    });
    fake = siteFor(stack.fakeUrl, "mastodon");
    browser = await launchChromium();
    const context = await newContext(browser);
    context.on("request", (req) => {
      requests.push(req);
      received.push(record(req));
    });
    page = await context.newPage();
    page.on("websocket", (socket) => sockets.push(socket.url()));
    page.on("pageerror", (error) => pageErrors.push(String(error)));
  });

  after(async () => {
    await browser?.close().catch(() => {});
    await stack?.stop();
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  it("runs exactly the code of docs/masto.md", async () => {
    const files = await Promise.all(
      ["masto.ts", "timeline.ts"].map((name) => readFile(join(PAGE_DIR, name), "utf8")),
    );
    assert.deepEqual(await readmeBlocks(), files);
  });

  it("is served from the BFF's origin; signed out, masto.js gets the BFF's 401", async () => {
    const res = await page.goto(`${stack?.bffUrl}${PAGE_PATH}`);
    assert.equal(res?.status(), 200);
    await page.locator("body[data-ready='1']").waitFor();
    const failure = await page.evaluate(() =>
      window.mastoPage.signedInAccount().then(
        () => null,
        (error: { statusCode: number; message: string; description: string }) => ({
          statusCode: error.statusCode,
          message: error.message,
          description: error.description,
        }),
      ),
    );
    assert.deepEqual(failure, {
      statusCode: 401,
      message: "not_authenticated",
      description: "Sign in first: the API needs a session.",
    });
  });

  it("signs in through the instance's own pages and comes back to the page", async () => {
    // Not awaited in the page: the navigation it starts would end the evaluation.
    const target = [stack?.fakeHost ?? "", PAGE_PATH] as const;
    await page.evaluate(([host, returnTo]) => {
      void window.mastoPage.login(host, returnTo);
    }, target);
    await page.locator("#username").waitFor();
    assert.deepEqual(pageErrors, []);
    assert.equal(new URL(page.url()).origin, stack?.fakeUrl, "the sign-in page is the instance's");
    await signInAtInstance(page, "alice");
    await page.click("#authorize");
    await page.waitForURL(`${stack?.bffUrl}${PAGE_PATH}`);
    await page.locator("body[data-ready='1']").waitFor();
  });

  it("verifyCredentials: the signed-in account, by masto.js with the header and the cookie", async () => {
    const account = await page.evaluate(async () => {
      const me = await window.mastoPage.signedInAccount();
      return { id: me.id, username: me.username, acct: me.acct, displayName: me.displayName };
    });
    assert.deepEqual(account, {
      id: "109000000000000001",
      username: "alice",
      acct: "alice",
      displayName: "Alice",
    });
    // Signed out (the test before), then signed in: the same request, with the session cookie.
    const calls = await apiRequests("/api/v1/accounts/verify_credentials");
    assert.equal(calls.length, 2);
    const [signedOut, signedIn] = calls;
    assert.equal(signedOut?.headers.cookie, undefined);
    // The fake instance's own cookie comes along too: cookies are per host, not per port.
    const names = (signedIn?.headers.cookie ?? "").split("; ").map((c) => c.split("=")[0]);
    assert.deepEqual(names.sort(), ["__Host-fedi-bff-session", "fake_session"]);
    for (const call of calls) {
      assert.equal(call.headers["x-csrf"], "1");
      assert.equal(call.headers["sec-fetch-site"], "same-origin");
      assert.equal(call.headers.authorization, undefined, "the page sends no token");
    }
    const upstream = fake.requests.findLast((r) => r.path === "/api/v1/accounts/verify_credentials");
    assert.match(upstream?.headers.authorization ?? "", /^Bearer /, "the BFF added the token");
  });

  it("pages through the home timeline along the Link header rewritten to the BFF", async () => {
    const pages = await page.evaluate(async () =>
      (await window.mastoPage.homePages(3)).map((statuses) => statuses.map((s) => s.id)),
    );
    const seeded = fake.statuses.map((s) => s.id);
    assert.equal(seeded.length, 45);
    assert.deepEqual(pages, [seeded.slice(0, 20), seeded.slice(20, 40), seeded.slice(40, 45)]);
    const bff = stack?.bffUrl;
    const home = `${bff}/api/v1/timelines/home`;
    assert.deepEqual(
      (await apiRequests("/api/v1/timelines/home")).map((r) => `${r.method} ${r.url}`),
      [
        `GET ${home}?limit=20`,
        `GET ${home}?limit=20&max_id=${seeded[19]}`,
        `GET ${home}?limit=20&max_id=${seeded[39]}`,
      ],
    );
    const first = await Promise.all(received).then((all) =>
      all.find((r) => r.startsWith(`${home}?limit=20\n`)),
    );
    const link = (JSON.parse(first?.split("\n")[1] ?? "{}") as Record<string, string>).link;
    assert.equal(
      link,
      `<${home}?limit=20&max_id=${seeded[19]}>; rel="next", <${home}?limit=20&min_id=${seeded[0]}>; rel="prev"`,
    );
  });

  it("posts a status, then finds it first on the home timeline and by its id", async () => {
    const text = `Hello from masto.js in Chromium ${Date.now()}`;
    const result = await page.evaluate(async (status) => {
      const { post, homePages, masto } = window.mastoPage;
      const created = await post(status);
      const [top] = await homePages(1);
      const fetched = await masto.v1.statuses.$select(created.id).fetch();
      return {
        created: { id: created.id, content: created.content, acct: created.account.acct },
        topIds: (top ?? []).slice(0, 2).map((s) => s.id),
        fetched: { id: fetched.id, content: fetched.content },
      };
    }, text);
    const stored = fake.statuses[0];
    assert.equal(stored?.text, text, "the instance has the new status");
    assert.equal(stored?.user, "alice");
    assert.deepEqual(result, {
      created: { id: stored?.id, content: `<p>${text}</p>`, acct: "alice" },
      topIds: [stored?.id, fake.statuses[1]?.id],
      fetched: { id: stored?.id, content: `<p>${text}</p>` },
    });
    const [postCall] = await apiRequests("/api/v1/statuses");
    assert.equal(postCall?.method, "POST");
    assert.equal(postCall?.headers.origin, stack?.bffUrl);
  });

  it("streams the user timeline through the BFF's WebSocket", async () => {
    // The fake's streaming server sends an `update` with its newest status on connect.
    const event = await page.evaluate(async () => {
      const next = await window.mastoPage.nextUserEvent();
      return next?.event === "update"
        ? { stream: next.stream, event: next.event, id: next.payload.id }
        : next;
    });
    assert.deepEqual(event, { stream: ["user"], event: "update", id: fake.statuses[0]?.id });
    assert.deepEqual(sockets, [`${stack?.bffUrl.replace(/^http/, "ws")}/api/v1/streaming`]);
  });

  it("asked the BFF's API for nothing but what the page called (no /api/v2/instance first)", async () => {
    const api = requests.filter((r) => r.url().startsWith(`${stack?.bffUrl}/api/`));
    const created = fake.statuses[0]?.id;
    assert.deepEqual(
      api.map((r) => `${r.method()} ${new URL(r.url()).pathname}`),
      [
        "GET /api/v1/accounts/verify_credentials",
        "GET /api/v1/accounts/verify_credentials",
        "GET /api/v1/timelines/home",
        "GET /api/v1/timelines/home",
        "GET /api/v1/timelines/home",
        "POST /api/v1/statuses",
        "GET /api/v1/timelines/home",
        `GET /api/v1/statuses/${created}`,
      ],
    );
  });

  it("keeps every access token away from the page", async () => {
    const tokens = [...fake.tokens.values()].map((t) => t.token);
    assert.ok(tokens.length > 0);
    const cookie = await page.evaluate(() => document.cookie);
    assert.equal(cookie, "", "every cookie is HttpOnly");
    const seen = await Promise.all(received);
    assert.ok(seen.length > 10);
    for (const text of seen) {
      for (const token of tokens) assert.ok(!text.includes(token), `a token leaked in ${text.slice(0, 120)}`);
      assert.ok(!text.includes("access_token"), `"access_token" appears in ${text.slice(0, 120)}`);
    }
    assert.deepEqual(pageErrors, []);
  });
});
