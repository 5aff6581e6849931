/**
 * Registration failures back off: while one is recent, every caller gets it again at once
 * instead of asking the instance (a 429 waits for the instance's Retry-After).
 */

import { nowSeconds } from "../clock.ts";
import type { RegistrarResult } from "../config/registrar-rpc.ts";
import type { BffError, ErrorCode } from "../errors.ts";
import { emit, outcomeOfCode, reasonOfCode } from "../events.ts";
import { eventPlace, type RegistrarScope } from "./scope.ts";
import { doBackoffKey } from "./storage-keys.ts";

interface Backoff {
  until: number;
  code: ErrorCode;
  description: string;
}

/** How long a failure blocks new attempts, by kind (429 uses the instance's Retry-After). */
const BACKOFF_SECONDS: Partial<Record<ErrorCode, number>> = {
  instance_unreachable: 60,
  instance_timeout: 60,
  registration_failed: 300,
  unsupported_instance: 3600,
};

/** The failure that still blocks registering for `fp`, or null. */
export async function activeBackoff(scope: RegistrarScope, fp: string): Promise<RegistrarResult | null> {
  const backoff = await scope.state.storage.get<Backoff>(doBackoffKey(fp));
  const now = nowSeconds();
  if (backoff === undefined || backoff.until <= now) return null;
  return {
    ok: false,
    code: backoff.code,
    description: backoff.description,
    retryAfter: backoff.until - now,
  };
}

/** Logs a failed registration and stores its back-off; the result is what callers get meanwhile. */
export async function backOff(
  scope: RegistrarScope,
  fp: string,
  host: string,
  error: BffError,
): Promise<RegistrarResult> {
  const facts = { instance: host, error: error.code, reason: reasonOfCode(error.code) };
  emit(eventPlace(scope), {
    event: "registration_failed",
    outcome: outcomeOfCode(error.code),
    ...facts,
    detail: error.internal,
  });
  if (error.code === "registration_rate_limited")
    emit(eventPlace(scope), { event: "instance_throttled", outcome: "refused", ...facts });
  const retryAfter = Number(error.headers["retry-after"] ?? BACKOFF_SECONDS[error.code] ?? 60);
  const backoff: Backoff = { until: nowSeconds() + retryAfter, code: error.code, description: error.message };
  await scope.state.storage.put(doBackoffKey(fp), backoff);
  return { ok: false, code: error.code, description: error.message, retryAfter };
}
