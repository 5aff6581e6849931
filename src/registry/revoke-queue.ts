/**
 * Revocations that failed (no answer, a timeout, 429 or a 5xx) are tried again by the instance's
 * Registrar, a few times, on a Durable Object alarm: a logout whose revoke met a passing outage
 * still ends the token upstream. The token waits sealed (`fedi-bff:app`), with the client it
 * belongs to; the queue is bounded per instance, and each entry given up after the last try.
 */
import { nowSeconds } from "../clock.ts";
import { open } from "../crypto/seal.ts";
import { log } from "../log.ts";
import { revoke } from "../oauth/revoke.ts";
import { readClientRegistration } from "./clients.ts";
import { configOf, keyRingOf, type RegistrarScope, upstreamContext } from "./scope.ts";
import { DO_REVOKE_PREFIX, doRevokeKey } from "./storage-keys.ts";

/** Seconds after the failed revoke (and after each failed retry) that the next try runs. */
export const REVOKE_RETRY_DELAYS = [60, 600, 3600] as const;
/** Revocations waiting per instance; a new one beyond it is given up at once (and logged). */
export const MAX_QUEUED_REVOKES = 256;

interface QueuedRevoke {
  readonly host: string;
  /** The token, sealed for `fedi-bff:app` (it outlives every retry). */
  readonly sealed: string;
  readonly clientId: string;
  readonly tries: number;
  readonly due: number;
}

/** Queues a revocation to try again; false when the queue is full. */
export async function queueRevoke(
  scope: RegistrarScope,
  host: string,
  sealed: string,
  clientId: string,
): Promise<boolean> {
  const storage = scope.state.storage;
  const queued = await storage.list({ prefix: DO_REVOKE_PREFIX, limit: MAX_QUEUED_REVOKES });
  if (queued.size >= MAX_QUEUED_REVOKES) return false;
  const entry: QueuedRevoke = {
    host,
    sealed,
    clientId,
    tries: 0,
    due: nowSeconds() + REVOKE_RETRY_DELAYS[0],
  };
  await storage.put(doRevokeKey(crypto.randomUUID()), entry);
  await scheduleNext(scope);
  return true;
}

/** The alarm: every due revocation tried once more; the next alarm set for what is left. */
export async function retryRevokes(scope: RegistrarScope): Promise<void> {
  const storage = scope.state.storage;
  const now = nowSeconds();
  const queued = await storage.list<QueuedRevoke>({ prefix: DO_REVOKE_PREFIX });
  for (const [key, entry] of queued) {
    if (entry.due > now) continue;
    const outcome = await tryRevoke(scope, entry);
    const tries = entry.tries + 1;
    const delay = REVOKE_RETRY_DELAYS[tries];
    if (outcome !== "failed" || delay === undefined) {
      await storage.delete(key);
      if (outcome === "failed") {
        log("warn", "revoke_failed", { host: entry.host, internal: `gave up after ${tries} retries` });
      }
    } else {
      await storage.put(key, { ...entry, tries, due: now + delay });
    }
  }
  await scheduleNext(scope);
}

async function tryRevoke(scope: RegistrarScope, entry: QueuedRevoke) {
  const ring = await keyRingOf(scope);
  const token = (await open(entry.sealed, "app", ring))?.token;
  const registration = await readClientRegistration(scope, entry.clientId);
  // A token that no longer opens, or a client that is gone: nothing left to revoke with.
  if (typeof token !== "string" || registration === null) return "refused" as const;
  return revoke(upstreamContext(configOf(scope)), registration, token);
}

async function scheduleNext(scope: RegistrarScope): Promise<void> {
  const queued = await scope.state.storage.list<QueuedRevoke>({ prefix: DO_REVOKE_PREFIX });
  const next = Math.min(...[...queued.values()].map((e) => e.due));
  if (Number.isFinite(next)) await scope.state.storage.setAlarm(next * 1000);
}
