/**
 * What the browser e2e files share: the stack on a state folder of its own, a browser context
 * with the files' step timeout, the CSP-violation watch on a page, and the fake instance's
 * sign-in form.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, BrowserContext, BrowserContextOptions, Page } from "playwright-core";
import { type Stack, type StackOptions, startStack } from "./stack.ts";

/** Interrupted (Ctrl-C, SIGTERM): exit normally, so exit hooks run (the stack's stops wrangler and workerd). */
export function exitOnSignals(): void {
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => process.exit(130));
}

/**
 * The stack on free ports, its KV and Durable Object state in a fresh temporary folder named
 * `<prefix>…` that stop() removes; wrangler's output is kept for the error message.
 */
export async function startStackWithState(
  prefix: string,
  options: Pick<StackOptions, "wranglerArgs"> = {},
): Promise<Stack> {
  const stateDir = await mkdtemp(join(tmpdir(), prefix));
  const removeState = () => rm(stateDir, { recursive: true, force: true });
  const stack = await startStack({
    fakePort: 0,
    bffPort: 0,
    inspectorPort: 0,
    persistTo: stateDir,
    output: "buffer",
    ...options,
  }).catch(async (error: unknown) => {
    await removeState();
    throw error;
  });
  return {
    bffUrl: stack.bffUrl,
    fakeUrl: stack.fakeUrl,
    fakeHost: stack.fakeHost,
    stop: async () => {
      await stack.stop();
      await removeState();
    },
  };
}

/** A browser context whose steps (clicks, waits, navigations) give up after 15 s. */
export async function newContext(
  browser: Browser,
  options: BrowserContextOptions = {},
): Promise<BrowserContext> {
  const context = await browser.newContext(options);
  context.setDefaultTimeout(15_000);
  return context;
}

/** Collects the page's Content Security Policy violations (Chromium reports them on the console). */
export function watchCsp(page: Page, violations: string[]): void {
  page.on("console", (msg) => {
    if (/content security policy/i.test(msg.text())) violations.push(msg.text());
  });
}

/** Sends the fake instance's sign-in form as `user` (every seeded user's password is "password"). */
export async function signInAtInstance(page: Page, user: string): Promise<void> {
  await page.locator("#username").waitFor();
  await page.fill("#username", user);
  await page.fill("#password", "password");
  await page.click("#sign-in");
}
