/**
 * Debian's Chromium for the browser e2e tests (Playwright's own browser download does not work
 * here; .ci/run installs the package). Headless, no background traffic, no QUIC.
 */
import { type Browser, chromium } from "playwright-core";

export const CHROMIUM = "/usr/bin/chromium";

const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-quic",
];

/** A fresh browser (launch() gives every run a temporary user-data dir); `extra` adds flags. */
export function launchChromium(extra: readonly string[] = []): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: [...ARGS, ...extra], headless: true });
}
