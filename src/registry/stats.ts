/**
 * The few facts of one fingerprint that the operator's view needs and the registrar does not keep
 * otherwise: the last check's answer, how often the registration was replaced, and registrations
 * in the current hour. One small record (docs/storage.md `stats:v1:`).
 */

import { nowSeconds } from "../clock.ts";
import type { CheckAnswer } from "../config/registrar-admin.ts";
import type { RegistrarScope } from "./scope.ts";
import { doStatsKey } from "./storage-keys.ts";

export interface Stats {
  readonly lastCheck?: { readonly at: number; readonly answer: CheckAnswer };
  readonly replacements?: number;
  readonly hourStart?: number;
  readonly hourCount?: number;
}

const HOUR = 3600;

export async function readStats(scope: RegistrarScope, fp: string): Promise<Stats> {
  return (await scope.state.storage.get<Stats>(doStatsKey(fp))) ?? {};
}

/** Keeps the answer of a check with the instance. */
export async function recordCheck(scope: RegistrarScope, fp: string, answer: CheckAnswer): Promise<void> {
  const stats = await readStats(scope, fp);
  await scope.state.storage.put(doStatsKey(fp), { ...stats, lastCheck: { at: nowSeconds(), answer } });
}

/** Counts a stored registration: in the hour's window, and as a replacement when it had a predecessor. */
export async function countRegistration(scope: RegistrarScope, fp: string, replaced: boolean): Promise<void> {
  const now = nowSeconds();
  const stats = await readStats(scope, fp);
  const sameHour = (stats.hourStart ?? 0) > now - HOUR;
  await scope.state.storage.put(doStatsKey(fp), {
    ...stats,
    replacements: (stats.replacements ?? 0) + (replaced ? 1 : 0),
    hourStart: sameHour ? stats.hourStart : now,
    hourCount: (sameHour ? (stats.hourCount ?? 0) : 0) + 1,
  } satisfies Stats);
}

/** Registrations in the current hour's window. */
export function registrationsThisHour(stats: Stats, now: number): number {
  return (stats.hourStart ?? 0) > now - HOUR ? (stats.hourCount ?? 0) : 0;
}
