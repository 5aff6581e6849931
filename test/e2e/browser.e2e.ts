/**
 * The whole flow in a real browser: Debian's Chromium driven by playwright-core against
 * the demo page served by `wrangler dev` and the fake instance's real HTML sign-in and consent
 * pages. Screenshots of each step go to e2e-screenshots/ (gitignored). Run by `npm run test:e2e`;
 * named `.e2e.ts` so vitest (which runs every `*.test.ts` inside workerd) leaves it alone.
 */

import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { type Browser, type BrowserContext, chromium, type Page, type Response } from "playwright-core";
import { ERROR_MESSAGES } from "../../demo/src/messages.ts";
import { type Site, siteFor } from "../fake-instance/state.ts";
import { type AttackerSite, crossSiteAttempts, startAttackerSite } from "./attacker.ts";
import { type Stack, startStack } from "./stack.ts";

const CHROMIUM = "/usr/bin/chromium";
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-quic",
];
const SHOTS = fileURLToPath(new URL("../../e2e-screenshots/", import.meta.url));
// Interrupted (Ctrl-C): exit normally, so the stack's exit hook stops wrangler and workerd.
for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => process.exit(130));

let stack: Stack | undefined;
let attacker: AttackerSite | undefined;
let browser: Browser | undefined;
let context: BrowserContext;
let page: Page;
let fake: Site;
let stateDir = "";
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

const statuses = () => page.locator("#timeline > li");
const postsToStatuses = () =>
  fake.requests.filter((r) => r.method === "POST" && r.path === "/api/v1/statuses").length;

describe("demo frontend in Chromium", { timeout: 120_000 }, () => {
  before(async () => {
    await rm(SHOTS, { recursive: true, force: true });
    await mkdir(SHOTS, { recursive: true });
    stateDir = await mkdtemp(join(tmpdir(), "fedi-bff-e2e-"));
    stack = await startStack({
      fakePort: 0,
      bffPort: 0,
      inspectorPort: 0,
      persistTo: stateDir,
      output: "buffer",
    });
    fake = siteFor(stack.fakeUrl, "mastodon");
    attacker = await startAttackerSite();
    // launch() gives every run a fresh, temporary user-data dir.
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
    context = await browser.newContext({ viewport: { width: 900, height: 900 } });
    context.setDefaultTimeout(15_000);
    context.on("response", (res) => received.push(record(res)));
    page = await context.newPage();
    page.on("console", (msg) => {
      if (/content security policy/i.test(msg.text())) cspViolations.push(msg.text());
    });
  });

  after(async () => {
    await browser?.close().catch(() => {});
    await attacker?.close();
    await stack?.stop();
    if (stateDir) await rm(stateDir, { recursive: true, force: true });
  });

  it("serves the demo page with a strict CSP that forbids framing", async () => {
    const res = await page.goto(`${stack?.bffUrl}/`);
    const headers = res?.headers() ?? {};
    const csp = headers["content-security-policy"] ?? "";
    for (const directive of ["default-src 'none'", "script-src 'self'", "frame-ancestors 'none'"]) {
      assert.ok(csp.includes(directive), `CSP lacks ${directive}: ${csp}`);
    }
    assert.equal(headers["x-frame-options"], "DENY");
    await page.locator("#login").waitFor();
    await screenshot("login-form");
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
    await page.fill("#username", "alice");
    await page.fill("#password", "password");
    await page.click("#sign-in");
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
});
