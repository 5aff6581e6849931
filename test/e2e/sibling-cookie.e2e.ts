/**
 * Cookie attacks that only a real browser can show (Debian's Chromium, playwright-core), against
 * fedi-bff under `wrangler dev` and the fake instance's HTML sign-in pages:
 *
 * 1. A sibling subdomain plants the attacker's session under a lookalike name,
 *    "\u2000__Host-fedi-bff-session" with Domain=<parent> and Path=/api/ (the `__Host-` prefix rules
 *    bind only names that start with `__Host-`). The API must not run as the attacker.
 * 2. Parallel login starts (a double-click, tabs, a retrying frontend) must not pile up login
 *    cookies until the Cookie header is past what fedi-bff reads: the user stays signed in and can
 *    log in again.
 *
 *    15 starts stay under the development login rate limit (20 per minute per address), and with
 *    a 600-character return_to they made 23 KB of cookies before login cookies had slots.
 *
 * bff.fedi.localhost and evil.fedi.localhost both resolve to loopback (--host-resolver-rules): two
 * subdomains of one parent that is not a public suffix. Chromium treats `*.localhost` as a secure
 * context, so `Secure` (and `__Host-`) cookies work on plain http as they would on https.
 */

import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import { after, before, describe, it } from "node:test";
import type { Browser, BrowserContext, Page } from "playwright-core";
import {
  LOGIN_COOKIE_PREFIX,
  MAX_COOKIE_HEADER,
  MAX_LOGIN_COOKIES,
  SESSION_COOKIE,
} from "../../src/session/cookies.ts";
import { launchChromium } from "./chromium.ts";
import { exitOnSignals, newContext, signInAtInstance, startStackWithState } from "./harness.ts";
import { freePort, type Stack } from "./stack.ts";

const PARENT = "fedi.localhost";
exitOnSignals();

let stack: Stack | undefined;
let sibling: Server | undefined;
let browser: Browser | undefined;
let bff = "";
let evil = "";

/** The sibling subdomain's page: any page will do, the attack is its script (page.evaluate). */
async function startSibling(port: number): Promise<Server> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    res.end('<!doctype html><meta charset="utf-8"><title>A sibling subdomain</title><h1>A sibling</h1>');
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return server;
}

/** Signs `user` in through the instance's pages; returns when the browser is back on the BFF. */
async function logIn(page: Page, user: string): Promise<void> {
  const query = new URLSearchParams({ instance: stack?.fakeHost ?? "", return_to: "/" });
  await page.goto(`${bff}/auth/login?${query}`);
  // A typed or linked login URL (Sec-Fetch-Site: none) first shows fedi-bff's confirmation page.
  await page.click("#confirm-button");
  const signIn = page.locator("#username");
  const consent = page.locator("#authorize");
  await Promise.race([signIn.waitFor(), consent.waitFor()]);
  if (await signIn.isVisible()) await signInAtInstance(page, user);
  await page.click("#authorize");
  await page
    .waitForURL((url) => url.origin === bff && !url.pathname.startsWith("/auth/"))
    .catch(async (error) => {
      throw new Error(`login as ${user} ended on ${page.url()}: ${(await page.content()).slice(0, 300)}`, {
        cause: error,
      });
    });
}

/** A call from the BFF's own page, as a frontend makes it. */
function call(page: Page, path: string, init: { method?: string; headers?: Record<string, string> } = {}) {
  return page.evaluate(
    async ({ path, init }) => {
      const res = await fetch(path, { credentials: "include", ...init });
      return {
        status: res.status,
        body: (await res.json().catch(() => null)) as Record<string, unknown> | null,
      };
    },
    { path, init },
  );
}

const whoAmI = (page: Page) =>
  call(page, "/api/v1/accounts/verify_credentials", { headers: { "X-CSRF": "1" } });

async function openPage(): Promise<{ context: BrowserContext; page: Page }> {
  const context = await newContext(browser as Browser);
  return { context, page: await context.newPage() };
}

describe("cookies in Chromium: a sibling subdomain and parallel logins", { timeout: 180_000 }, () => {
  before(async () => {
    stack = await startStackWithState("fedi-bff-e2e-cookies-");
    const bffPort = new URL(stack.bffUrl).port;
    const siblingPort = await freePort();
    sibling = await startSibling(siblingPort);
    bff = `http://bff.${PARENT}:${bffPort}`;
    evil = `http://evil.${PARENT}:${siblingPort}`;
    browser = await launchChromium([
      `--host-resolver-rules=MAP bff.${PARENT} 127.0.0.1, MAP evil.${PARENT} 127.0.0.1`,
    ]);
  });

  after(async () => {
    await browser?.close().catch(() => {});
    await new Promise<void>((resolve) => (sibling ? sibling.close(() => resolve()) : resolve()));
    sibling?.closeAllConnections();
    await stack?.stop();
  });

  it("never runs the API as the attacker whose session a sibling planted under a lookalike name", async () => {
    const attacker = await openPage();
    await logIn(attacker.page, "bob");
    const stolen = (await attacker.context.cookies(bff)).find((c) => c.name === SESSION_COOKIE)?.value ?? "";
    assert.ok(stolen.length > 0, "the attacker has a session of their own");
    await attacker.context.close();

    const victim = await openPage();
    await logIn(victim.page, "alice");
    assert.equal((await whoAmI(victim.page)).body?.username, "alice");

    await victim.page.goto(`${evil}/`);
    await victim.page.evaluate(
      ({ name, value, parent }) => {
        // biome-ignore lint/suspicious/noDocumentCookie: the attack is a script writing document.cookie.
        document.cookie = `${name}=${value}; Domain=${parent}; Path=/api/; SameSite=Lax`;
      },
      { name: `\u2000${SESSION_COOKIE}`, value: stolen, parent: PARENT },
    );
    const planted = (await victim.context.cookies(`${bff}/api/v1`)).map((c) => c.name);
    assert.ok(planted.includes(`\u2000${SESSION_COOKIE}`), `Chromium accepted the lookalike: ${planted}`);

    await victim.page.goto(`${bff}/`);
    const api = await whoAmI(victim.page);
    assert.notEqual(api.body?.username, "bob", "the API ran as the attacker");
    assert.deepEqual(
      { status: api.status, error: api.body?.error },
      { status: 401, error: "not_authenticated" },
    );
    await victim.context.close();
  });

  it(`keeps at most ${MAX_LOGIN_COOKIES} login cookies after 15 parallel starts; the user stays signed in and can log in again`, async () => {
    const { context, page } = await openPage();
    await logIn(page, "alice");
    const returnTo = `/${"r".repeat(600)}`;
    const statuses = await page.evaluate(
      async ({ instance, returnTo }) => {
        const query = new URLSearchParams({ instance, return_to: returnTo });
        const start = () =>
          fetch(`/auth/login?${query}`, { headers: { accept: "application/json", "X-CSRF": "1" } }).then(
            (res) => res.status,
          );
        return Promise.all(Array.from({ length: 15 }, start));
      },
      { instance: stack?.fakeHost ?? "", returnTo },
    );
    assert.deepEqual([...new Set(statuses)], [200]);
    const cookies = await context.cookies(bff);
    const logins = cookies.filter((c) => c.name.startsWith(LOGIN_COOKIE_PREFIX));
    assert.ok(logins.length <= MAX_LOGIN_COOKIES, `${logins.length} login cookies`);
    const header = cookies.map((c) => `${c.name}=${c.value}`).join("; ");
    assert.ok(header.length < MAX_COOKIE_HEADER, `Cookie header of ${header.length} bytes`);
    assert.equal((await call(page, "/auth/session")).status, 200);
    assert.equal((await whoAmI(page)).body?.username, "alice");
    await logIn(page, "alice");
    assert.equal((await call(page, "/auth/session")).status, 200);
    await context.close();
  });
});
