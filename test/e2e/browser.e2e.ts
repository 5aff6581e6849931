/**
 * The whole flow in a real browser: Debian's Chromium driven by playwright-core against one
 * origin served by `wrangler dev` as it is deployed — the static demo frontend (Workers Static
 * Assets, [assets] in wrangler.toml) and fedi-bff's Worker for /auth/, /api/, /instances/ — and the
 * fake instance's real HTML sign-in and consent pages. Screenshots of each step go to
 * e2e-screenshots/ (gitignored). Run by `npm run test:e2e`; named `.e2e.ts` so vitest (which runs
 * every `*.test.ts` inside workerd) leaves it alone.
 */

import assert from "node:assert/strict";
import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import type { Browser, BrowserContext, Page, Response } from "playwright-core";
import { ERROR_MESSAGES } from "../../demo/src/messages.ts";
import { type Site, siteFor } from "../fake-instance/state.ts";
import { type AttackerSite, crossSiteAttempts, startAttackerSite } from "./attacker.ts";
import { launchChromium } from "./chromium.ts";
import { exitOnSignals, newContext, signInAtInstance, startStackWithState, watchCsp } from "./harness.ts";
import type { Stack } from "./stack.ts";

const SHOTS = fileURLToPath(new URL("../../e2e-screenshots/", import.meta.url));
exitOnSignals();

let stack: Stack | undefined;
let attacker: AttackerSite | undefined;
let browser: Browser | undefined;
let context: BrowserContext;
let page: Page;
let fake: Site;
/** Everything the browser received: URL, headers and body of every response, to search for tokens. */
const received: Promise<string>[] = [];
const cspViolations: string[] = [];
let shot = 0;

async function screenshot(name: string, target: Page = page): Promise<void> {
  shot += 1;
  await target.screenshot({
    path: join(SHOTS, `${String(shot).padStart(2, "0")}-${name}.png`),
    fullPage: true,
  });
}

async function record(res: Response): Promise<string> {
  // Bodies and headers of redirects, aborted loads and late answers (browser closed) may be gone.
  const body = await res.body().then(
    (bytes) => bytes.toString("utf8"),
    () => "",
  );
  const headers = await res.allHeaders().catch(() => ({}));
  return `${res.url()}\n${JSON.stringify(headers)}\n${body}`;
}

async function startLogin(instance: string): Promise<void> {
  await page.fill("#instance", instance);
  await page.click("#login-button");
}

const bff = () => stack?.bffUrl ?? "";

/** The headers that tell who answered: the Worker's security headers and the demo's Referrer-Policy. */
function securityHeaders(headers: Record<string, string>) {
  return { frame: headers["x-frame-options"], referrer: headers["referrer-policy"] };
}

const WORKER_HEADERS = { frame: "DENY", referrer: "no-referrer" };

/** An answer of the static assets (the demo's _headers), not of the Worker. */
function assertStaticApp(headers: Record<string, string>, type: string): void {
  assert.ok(headers["content-type"]?.startsWith(type), `${type}: ${headers["content-type"]}`);
  assert.deepEqual(securityHeaders(headers), { frame: undefined, referrer: "same-origin" });
  assert.match(headers["content-security-policy"] ?? "", /default-src 'none'/);
  assert.equal(headers["x-content-type-options"], "nosniff");
}

/** A navigation's answer, which must be one of fedi-bff's JSON errors (with the Worker's headers). */
async function jsonError(res: Response | null): Promise<{ status: number; error: unknown }> {
  const headers = res?.headers() ?? {};
  assert.match(headers["content-type"] ?? "", /^application\/json/);
  assert.deepEqual(securityHeaders(headers), WORKER_HEADERS);
  const body = (await res?.json()) as { error?: unknown };
  return { status: res?.status() ?? 0, error: body.error };
}

const statuses = () => page.locator("#timeline > li");
const postsToStatuses = () =>
  fake.requests.filter((r) => r.method === "POST" && r.path === "/api/v1/statuses").length;

describe("demo frontend in Chromium", { timeout: 120_000 }, () => {
  before(async () => {
    await rm(SHOTS, { recursive: true, force: true });
    await mkdir(SHOTS, { recursive: true });
    stack = await startStackWithState("fedi-bff-e2e-");
    fake = siteFor(stack.fakeUrl, "mastodon");
    attacker = await startAttackerSite();
    // launch() gives every run a fresh, temporary user-data dir.
    browser = await launchChromium();
    context = await newContext(browser, { viewport: { width: 900, height: 900 } });
    context.on("response", (res) => received.push(record(res)));
    page = await context.newPage();
    watchCsp(page, cspViolations);
  });

  after(async () => {
    await browser?.close().catch(() => {});
    await attacker?.close();
    await stack?.stop();
  });

  it("serves the demo's static files with their own CSP, without running the Worker", async () => {
    // Every answer the Worker makes carries its security headers (X-Frame-Options: DENY,
    // Referrer-Policy: no-referrer), errors included: a static answer without them came from the
    // assets alone. The demo's own headers come from its _headers file.
    const worker = await context.request.get(`${bff()}/auth/session`);
    assert.equal(worker.status(), 401);
    assert.deepEqual(securityHeaders(worker.headers()), WORKER_HEADERS, "the Worker's own answer");
    const res = await page.goto(`${bff()}/`);
    assert.equal(res?.status(), 200);
    assertStaticApp(res?.headers() ?? {}, "text/html");
    for (const [path, type] of [
      ["/demo.js", "text/javascript"],
      ["/style.css", "text/css"],
    ] as const) {
      const file = await context.request.get(`${bff()}${path}`);
      assert.equal(file.status(), 200, path);
      assertStaticApp(file.headers(), type);
    }
    const csp = res?.headers()["content-security-policy"] ?? "";
    for (const directive of ["default-src 'none'", "script-src 'self'", "frame-ancestors 'none'"]) {
      assert.ok(csp.includes(directive), `CSP lacks ${directive}: ${csp}`);
    }
    await page.locator("#login").waitFor();
    await screenshot("login-form");
  });

  it("answers a deep link with the app's index.html (a single-page application)", async () => {
    const res = await page.goto(`${bff()}/@alice/123`);
    assert.equal(res?.status(), 200);
    assertStaticApp(res?.headers() ?? {}, "text/html");
    assert.match((await res?.text()) ?? "", /<h1>fedi-bff demo<\/h1>/);
    // Workers Static Assets first redirects to the path as it encodes it.
    assert.equal(new URL(page.url()).pathname, "/%40alice/123");
    await page.locator("#login").waitFor();
  });

  it("leaves fedi-bff's paths to the Worker: JSON errors, never the app's page", async () => {
    // A browser navigation, which the assets would answer with index.html if they could.
    const api = await page.goto(`${bff()}/api/v1/timelines/home`);
    assert.deepEqual(await jsonError(api), { status: 403, error: "csrf_required" });
    const missing = await page.goto(`${bff()}/auth/nope`);
    assert.deepEqual(await jsonError(missing), { status: 404, error: "not_found" });
    await page.goto(`${bff()}/`);
    const signedOut = await page.evaluate(async () => {
      const res = await fetch("/api/v1/timelines/home", { headers: { "X-CSRF": "1" } });
      return { status: res.status, type: res.headers.get("content-type"), body: await res.json() };
    });
    assert.equal(signedOut.status, 401);
    assert.match(signedOut.type ?? "", /^application\/json/);
    assert.equal(signedOut.body.error, "not_authenticated");
    await page.locator("#login").waitFor();
  });

  it("explains an unusable instance name", async () => {
    await startLogin("not a host!");
    const error = page.locator("#login-error");
    await error.waitFor();
    assert.equal(await error.getAttribute("data-code"), "invalid_instance");
    assert.equal(await error.textContent(), ERROR_MESSAGES.invalid_instance);
    await screenshot("invalid-instance");
  });

  it("comes back with auth_error=access_denied when consent is denied", async () => {
    await startLogin(stack?.fakeHost ?? "");
    await page.locator("#username").waitFor();
    await screenshot("instance-sign-in");
    await signInAtInstance(page, "alice");
    await page.locator("#authorize").waitFor();
    await screenshot("instance-consent");
    await page.click("#deny");
    const error = page.locator("#login-error[data-code=access_denied]");
    await error.waitFor();
    assert.equal(await error.textContent(), ERROR_MESSAGES.access_denied);
    assert.equal(new URL(page.url()).search, "", "the page removes auth_error from the address");
    await screenshot("access-denied");
  });

  it("comes back with auth_error=access_denied when the instance drops state on a denial (Hollo)", async () => {
    await startLogin(stack?.fakeHost ?? "");
    // The fake remembers alice's sign-in: straight to consent. The header makes its denial
    // leave out `state`, as Hollo's does.
    await page.locator("#deny").waitFor();
    await page.setExtraHTTPHeaders({ "x-fake-drop-state": "1" });
    await page.click("#deny");
    const error = page.locator("#login-error[data-code=access_denied]");
    await error.waitFor();
    await page.setExtraHTTPHeaders({});
    assert.equal(await error.textContent(), ERROR_MESSAGES.access_denied);
    assert.equal(new URL(page.url()).pathname, "/");
    const denial = fake.requests.findLast((r) => r.method === "POST" && r.path === "/oauth/authorize");
    assert.equal(denial?.headers["x-fake-drop-state"], "1", "the instance was asked to drop state");
    await screenshot("access-denied-without-state");
  });

  it("logs in through the instance's consent page and shows 20 home statuses", async () => {
    await startLogin(stack?.fakeHost ?? "");
    // The fake instance remembers alice's sign-in, so it asks for consent only.
    await page.click("#authorize");
    await page.locator("#app").waitFor();
    await statuses().nth(19).waitFor();
    assert.equal(await statuses().count(), 20);
    assert.equal(await page.textContent("#display-name"), "Alice");
    assert.equal(await page.textContent("#acct"), `@alice@${stack?.fakeHost}`);
    const avatarLoaded = await page.$eval("#avatar", (img) => (img as HTMLImageElement).naturalWidth > 0);
    assert.ok(avatarLoaded, "the avatar loads under the CSP");
    await screenshot("timeline");
  });

  it("posts a status and shows it at the top", async () => {
    const text = `Hello from the browser test ${Date.now()}`;
    await page.fill("#status-text", text);
    await page.click("#post");
    await page.locator("#timeline > li .content", { hasText: text }).waitFor();
    assert.equal(await statuses().first().locator(".content").textContent(), text);
    assert.equal(fake.statuses[0]?.text, text, "the instance has the new status");
    assert.equal(await statuses().count(), 21);
    await screenshot("posted");
  });

  it("loads more by following the rewritten Link header", async () => {
    await page.click("#load-more");
    await statuses().nth(40).waitFor();
    assert.equal(await statuses().count(), 41);
    const urls = await Promise.all(received);
    assert.ok(
      urls.some((r) => r.startsWith(`${stack?.bffUrl}/api/v1/timelines/home?`) && r.includes("max_id=")),
      "the next page was fetched from the BFF, not the instance",
    );
    await screenshot("load-more");
  });

  it("opens a deep link signed in: the app's page comes up with the timeline", async () => {
    await page.goto(`${bff()}/@alice/123`);
    await statuses().nth(19).waitFor();
    assert.equal(await page.textContent("#acct"), `@alice@${stack?.fakeHost}`);
  });

  it("starts no login for an <img> of a login URL on the app's page: the session stays as it was", async () => {
    const session = () => page.evaluate(() => fetch("/auth/session").then((r) => r.text()));
    const before = await session();
    const loginUrl = `/auth/login?instance=${encodeURIComponent(stack?.fakeHost ?? "")}`;
    const answered = page.waitForResponse((r) => r.url().endsWith(loginUrl));
    await page.evaluate((src) => {
      const img = document.createElement("img");
      img.src = src;
      document.body.append(img);
    }, loginUrl);
    const res = await answered;
    assert.equal(res.status(), 403, "the image request reached fedi-bff and started nothing");
    assert.equal(res.headers().location, undefined);
    assert.equal(await session(), before);
  });

  it("opens the streaming WebSocket from its own origin (control for the cross-site test)", async () => {
    const state = await page.evaluate(
      (url) =>
        new Promise<string>((resolve) => {
          const socket = new WebSocket(url);
          socket.onopen = () => {
            socket.close();
            resolve("open");
          };
          socket.onerror = () => resolve("error");
          setTimeout(() => resolve("timeout"), 5000);
        }),
      `${stack?.bffUrl.replace(/^http/, "ws")}/api/v1/streaming?stream=user`,
    );
    assert.equal(state, "open");
  });

  it("refuses a cross-site page's credentialed POST and WebSocket", async () => {
    const before = { posts: postsToStatuses(), statuses: fake.statuses.length };
    const other = await context.newPage();
    await other.goto(attacker?.url ?? "");
    const results = await other.evaluate(crossSiteAttempts, stack?.bffUrl ?? "");
    await other.evaluate(
      (text) => {
        document.body.insertAdjacentHTML("beforeend", "<pre></pre>");
        const pre = document.querySelector("pre");
        if (pre) pre.textContent = text;
      },
      JSON.stringify(results, null, 2),
    );
    await screenshot("cross-site-refused", other);
    await other.close();
    assert.match(results.fetch ?? "", /^failed/, "a CORS fetch must fail");
    assert.match(results.fetchWithCsrfHeader ?? "", /^failed/, "the preflight must be refused");
    assert.equal(results.noCors, "answered opaque 0");
    assert.equal(results.websocket, "error");
    assert.equal(postsToStatuses(), before.posts, "no cross-site POST reached the instance");
    assert.equal(fake.statuses.length, before.statuses, "no status was created");
  });

  it("keeps every access token away from page JavaScript", async () => {
    const tokens = [...fake.tokens.values()].map((t) => t.token);
    assert.ok(tokens.length > 0);
    const storage = await page.evaluate(() => ({
      cookie: document.cookie,
      local: JSON.stringify({ ...localStorage }),
      session: JSON.stringify({ ...sessionStorage }),
    }));
    assert.equal(storage.cookie, "", "every cookie is HttpOnly");
    const seen = [storage.local, storage.session, ...(await Promise.all(received))];
    assert.ok(seen.length > 10);
    for (const text of seen) {
      for (const token of tokens) assert.ok(!text.includes(token), `a token leaked in ${text.slice(0, 120)}`);
      assert.ok(!text.includes("access_token"), `"access_token" appears in ${text.slice(0, 120)}`);
    }
  });

  it("logs out: the session is gone and the token revoked", async () => {
    await page.click("#logout");
    await page.locator("#login").waitFor();
    assert.equal(await page.textContent("#notice"), `Logged out @alice@${stack?.fakeHost}.`);
    const status = await page.evaluate(async () => (await fetch("/auth/session")).status);
    assert.equal(status, 401);
    const live = [...fake.tokens.values()].filter((t) => t.user !== undefined && !t.revoked);
    assert.deepEqual(live, [], "logout revoked the token on the instance");
    await screenshot("logged-out");
    assert.deepEqual(cspViolations, [], "the demo runs without CSP violations");
  });

  it("logs in again by handle, found through WebFinger", async () => {
    const webfingers = () => fake.requests.filter((r) => r.path === "/.well-known/webfinger").length;
    const before = webfingers();
    await startLogin(`@alice@${stack?.fakeHost}`);
    await page.click("#authorize");
    await page.locator("#app").waitFor();
    assert.equal(await page.textContent("#acct"), `@alice@${stack?.fakeHost}`);
    assert.equal(webfingers(), before + 1, "the handle was resolved through WebFinger");
    await statuses().nth(19).waitFor();
    await screenshot("handle-login");
    assert.deepEqual(cspViolations, [], "the demo runs without CSP violations");
  });
});
