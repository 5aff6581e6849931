/**
 * A login link opened from outside the browser, in a real Chromium: navigating the page straight
 * to the BFF's /auth/login (what a link from mail or chat does; Chromium sends
 * `Sec-Fetch-Site: none`) shows fedi-bff's confirmation page and changes nothing — no request to
 * the instance, same cookies, same signed-in account — until the user presses its button. Run by
 * `npm run test:e2e` against `wrangler dev` and the fake instance.
 */

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Browser, BrowserContext, Page, Request } from "playwright-core";
import { type Site, siteFor } from "../fake-instance/state.ts";
import { launchChromium } from "./chromium.ts";
import { exitOnSignals, newContext, signInAtInstance, startStackWithState, watchCsp } from "./harness.ts";
import type { Stack } from "./stack.ts";

exitOnSignals();

let stack: Stack;
let browser: Browser | undefined;
let context: BrowserContext;
let page: Page;
let fake: Site;
const cspViolations: string[] = [];

async function signIn(user: string): Promise<void> {
  await signInAtInstance(page, user);
  await page.click("#authorize");
}

async function activeAcct(): Promise<string> {
  const res = await context.request.get(`${stack.bffUrl}/auth/session`);
  const body = (await res.json()) as { account?: { acct: string } };
  return body.account?.acct ?? "(signed out)";
}

/** The headers Chromium really sent for the next request whose URL matches. */
async function sentHeaders(match: (url: string) => boolean, act: () => Promise<unknown>) {
  const seen = new Promise<Request>((resolve) =>
    page.on("request", (req) => {
      if (match(req.url())) resolve(req);
    }),
  );
  await act();
  return (await seen).allHeaders();
}

describe("a login link opened from outside, in Chromium", { timeout: 120_000 }, () => {
  before(async () => {
    stack = await startStackWithState("fedi-bff-e2e-outside-");
    fake = siteFor(stack.fakeUrl, "mastodon");
    browser = await launchChromium();
    context = await newContext(browser);
    page = await context.newPage();
    watchCsp(page, cspViolations);
    // Alice signs in through the demo page, as a user would.
    await page.goto(`${stack.bffUrl}/`);
    await page.fill("#instance", stack.fakeHost);
    await page.click("#login-button");
    await signIn("alice");
    await page.locator("#app").waitFor();
  });

  after(async () => {
    await browser?.close().catch(() => {});
    await stack?.stop();
  });

  it("shows the confirmation page and changes nothing until the button is pressed", async () => {
    assert.equal(await activeAcct(), "alice");
    const cookiesBefore = await context.cookies(stack.bffUrl);
    const requestsBefore = fake.requests.length;
    const link = `${stack.bffUrl}/auth/login?instance=${encodeURIComponent(stack.fakeHost)}&return_to=/`;
    const headers = await sentHeaders(
      (url) => url === link,
      () => page.goto(link),
    );
    assert.equal(headers["sec-fetch-site"], "none", "Chromium sends an outside link as Sec-Fetch-Site: none");
    assert.equal(await page.textContent("#confirm-instance"), stack.fakeHost);
    assert.match((await page.textContent("body")) ?? "", new RegExp(`signed in as @alice@${stack.fakeHost}`));
    assert.deepEqual(await context.cookies(stack.bffUrl), cookiesBefore, "no cookie was set");
    // The demo page left behind may still load its timeline; no login step may reach the instance.
    const loginSteps = fake.requests
      .slice(requestsBefore)
      .filter(
        (r) =>
          r.path.startsWith("/oauth/") || r.path === "/api/v1/apps" || r.path.startsWith("/.well-known/"),
      );
    assert.deepEqual(loginSteps, [], "no login step reached the instance");
    assert.equal(await activeAcct(), "alice");
  });

  it("starts the login when the user presses the button, and then adds the account", async () => {
    const headers = await sentHeaders(
      (url) => url === `${stack.bffUrl}/auth/login`,
      () => page.click("#confirm-button"),
    );
    assert.equal(headers.origin, stack.bffUrl, "the form POST carries this origin");
    assert.equal(headers["sec-fetch-site"], "same-origin");
    // A second account of the same instance: force_login asks for the password again.
    await signIn("bob");
    await page.locator("#app").waitFor();
    assert.equal(await activeAcct(), "bob");
    assert.deepEqual(cspViolations, []);
  });
});
