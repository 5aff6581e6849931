/**
 * Servers with one app per login (src/registry/keeping.ts): every login registers, so new
 * registrations are counted per window and refused beyond PER_LOGIN_LIMIT.
 */

import { nowSeconds } from "../clock.ts";
import type { RegistrarResult } from "../config/registrar-rpc.ts";
import { PER_LOGIN_LIMIT } from "./keeping.ts";
import type { RegistrarScope } from "./scope.ts";
import { doFreshKey } from "./storage-keys.ts";

interface FreshWindow {
  readonly start: number;
  readonly count: number;
}

/**
 * Counts one more per-login registration, or answers `registration_rate_limited` when the window
 * is full. Counted before the request, so concurrent logins cannot all pass the check at once.
 */
export async function takePerLoginSlot(scope: RegistrarScope, fp: string): Promise<RegistrarResult | null> {
  const now = nowSeconds();
  const window = await freshWindow(scope, fp, now);
  if (window.count >= PER_LOGIN_LIMIT.count) {
    return {
      ok: false,
      code: "registration_rate_limited",
      description: "Too many logins to this instance just now; try again later.",
      retryAfter: window.start + PER_LOGIN_LIMIT.windowSeconds - now,
    };
  }
  await scope.state.storage.put(doFreshKey(fp), { ...window, count: window.count + 1 });
  return null;
}

/** Counts a registration that turned out to be per-login after it was made (the first one). */
export async function countPerLogin(scope: RegistrarScope, fp: string): Promise<void> {
  const window = await freshWindow(scope, fp, nowSeconds());
  await scope.state.storage.put(doFreshKey(fp), { ...window, count: window.count + 1 });
}

/** New per-login registrations in the current window (a new window once the last one ended). */
async function freshWindow(scope: RegistrarScope, fp: string, now: number): Promise<FreshWindow> {
  const window = await scope.state.storage.get<FreshWindow>(doFreshKey(fp));
  return window !== undefined && window.start > now - PER_LOGIN_LIMIT.windowSeconds
    ? window
    : { start: now, count: 0 };
}
