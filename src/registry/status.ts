/**
 * The registrar's account to the operator: what it knows of one instance (the view) and the
 * repairs an operator may ask for — check the client now, register afresh, lift a back-off —
 * each bounded like its automatic twin and reported as an `admin_action` event. It also keeps
 * the few facts the view needs that the registrar does not otherwise store (the last check's
 * answer, replacements, registrations per hour) and the index of instances with a registration.
 */

import { nowSeconds } from "../clock.ts";
import type { AdminAction, AdminResult, InstanceStatus } from "../config/registrar-admin.ts";
import type { RegistrarResult } from "../config/registrar-rpc.ts";
import type { ErrorCode } from "../error-codes.ts";
import { emit, type Reason } from "../events.ts";
import type { Registration, RegistrationRequest } from "../oauth/registration.ts";
import { mintAnchor, readAnchor } from "./anchor.ts";
import { readCurrent } from "./clients.ts";
import { CHECK_INTERVAL, keepingOf, REPLACE_INTERVAL } from "./keeping.ts";
import { decodeKvEntry } from "./registry.ts";
import { type Current, eventPlace, type RegistrarScope } from "./scope.ts";
import { countRegistration, readStats, registrationsThisHour } from "./stats.ts";
import {
  appKvKey,
  doBackoffKey,
  doIndexedHostKey,
  doProbeKey,
  doReplacedKey,
  INDEXED_HOST_PREFIX,
  REGISTRAR_INDEX,
} from "./storage-keys.ts";

interface StoredBackoff {
  readonly until: number;
  readonly code: ErrorCode;
  readonly description: string;
}

/** Hosts the index lists at most (one storage list call). */
export const INDEX_LIMIT = 1000;

/**
 * After a registration was stored: counts it (per hour, and as a replacement), reports it as an
 * event, and names the host in the index. The index is a convenience: its failure fails nothing.
 */
export async function noteRegistered(
  scope: RegistrarScope,
  fp: string,
  registration: Registration,
  previous: Current | null,
  reason: Reason,
): Promise<void> {
  await countRegistration(scope, fp, previous !== null);
  emit(eventPlace(scope), {
    event: previous === null ? "registration_created" : "registration_replaced",
    instance: registration.host,
    software: registration.software || null,
    outcome: "ok",
    reason,
  });
  try {
    const index = scope.env().REGISTRAR;
    await index.get(index.idFromName(REGISTRAR_INDEX)).indexHost(registration.host);
  } catch {
    // The list of instances misses this one until its next registration; logins go on.
  }
}

/** The index object's record of one host. */
export async function indexHost(scope: RegistrarScope, host: string): Promise<void> {
  await scope.state.storage.put(doIndexedHostKey(host), nowSeconds());
}

/** The hosts in the index, sorted, at most INDEX_LIMIT. */
export async function indexedHosts(scope: RegistrarScope): Promise<string[]> {
  const entries = await scope.state.storage.list({ prefix: INDEXED_HOST_PREFIX, limit: INDEX_LIMIT });
  return [...entries.keys()].map((key) => key.slice(INDEXED_HOST_PREFIX.length));
}

/** The operator's view of `req.host`: no token, no secret, the client id only as a fingerprint. */
export async function instanceStatus(scope: RegistrarScope, req: RegistrationRequest, fp: string) {
  const now = nowSeconds();
  const storage = scope.state.storage;
  const current = await readCurrent(scope, fp, req.host);
  const stats = await readStats(scope, fp);
  const backoff = await storage.get<StoredBackoff>(doBackoffKey(fp));
  const registration = current?.registration ?? null;
  const status: InstanceStatus = {
    instance: req.host,
    registered: registration !== null,
    software: registration === null ? null : registration.software || "unknown",
    keeping: registration === null ? null : keepingOf(registration.software),
    registeredAt: registration === null ? null : iso(registration.createdAt),
    ageSeconds: registration === null ? null : now - registration.createdAt,
    clientFingerprint: registration === null ? null : await clientFingerprint(registration.clientId),
    anchored: registration !== null && (await readAnchor(scope, fp, registration, now)) !== null,
    lastCheck: stats.lastCheck ? { at: iso(stats.lastCheck.at), answer: stats.lastCheck.answer } : null,
    replacements: stats.replacements ?? 0,
    lastReplacedAt: await isoOrNull(storage.get<number>(doReplacedKey(fp))),
    backoff:
      backoff !== undefined && backoff.until > now
        ? { error: backoff.code, description: backoff.description, retryAfter: backoff.until - now }
        : null,
    registrationsThisHour: registrationsThisHour(stats, now),
    kvTrustUntil: await kvTrustUntil(scope, req.host, fp),
  };
  return status;
}

/**
 * Runs one operator action. `register(current)` is the registrar's own registration step (with
 * its back-off on failure); the bounds are those of the automatic paths: a check at most once per
 * CHECK_INTERVAL (shared with login retries), a replacement at most once per REPLACE_INTERVAL and
 * never during a back-off, and an instance's own Retry-After is never lifted.
 */
export async function operate(
  scope: RegistrarScope,
  req: RegistrationRequest,
  fp: string,
  action: AdminAction,
  register: (current: Current | null) => Promise<RegistrarResult>,
): Promise<AdminResult> {
  const outcome = await perform(scope, req, fp, action, register);
  emit(eventPlace(scope), {
    event: "admin_action",
    instance: req.host,
    action,
    outcome: outcome.done ? "ok" : "refused",
    reason: outcome.reason,
    error: outcome.error ?? null,
  });
  const result: AdminResult = {
    action,
    done: outcome.done,
    reason: outcome.reason,
    ...(outcome.retryAfter === undefined ? {} : { retryAfter: outcome.retryAfter }),
    status: await instanceStatus(scope, req, fp),
  };
  return result;
}

interface Outcome {
  readonly done: boolean;
  readonly reason: Reason | null;
  readonly retryAfter?: number;
  readonly error?: ErrorCode;
}

async function perform(
  scope: RegistrarScope,
  req: RegistrationRequest,
  fp: string,
  action: AdminAction,
  register: (current: Current | null) => Promise<RegistrarResult>,
): Promise<Outcome> {
  const storage = scope.state.storage;
  const now = nowSeconds();
  const current = await readCurrent(scope, fp, req.host);
  const backoff = await storage.get<StoredBackoff>(doBackoffKey(fp));
  const blocked = backoff !== undefined && backoff.until > now ? backoff : null;
  switch (action) {
    case "check":
      return check(scope, fp, current, now);
    case "register": {
      if (blocked !== null) return { done: false, reason: "backoff_active", retryAfter: blocked.until - now };
      const replacedAt = (await storage.get<number>(doReplacedKey(fp))) ?? 0;
      if (current !== null && replacedAt > now - REPLACE_INTERVAL) {
        return { done: false, reason: "replaced_too_soon", retryAfter: replacedAt + REPLACE_INTERVAL - now };
      }
      const result = await register(current);
      return result.ok
        ? { done: true, reason: "operator_forced" }
        : { done: false, reason: "upstream_status", error: result.code };
    }
    case "clear_backoff":
      if (blocked === null) return { done: false, reason: null };
      // The instance asked for this wait (429 Retry-After): lifting it earns another 429.
      if (blocked.code === "registration_rate_limited") {
        return { done: false, reason: "instance_rate_limited", retryAfter: blocked.until - now };
      }
      await storage.delete(doBackoffKey(fp));
      return { done: true, reason: "backoff_cleared" };
  }
}

async function check(
  scope: RegistrarScope,
  fp: string,
  current: Current | null,
  now: number,
): Promise<Outcome> {
  if (current === null) return { done: false, reason: null };
  // One app per login (snac): a client_credentials grant there yields a user's token.
  if (keepingOf(current.registration.software) === "per-login") {
    return { done: false, reason: "unsupported_server" };
  }
  const probed = (await scope.state.storage.get<number>(doProbeKey(fp))) ?? 0;
  if (probed > now - CHECK_INTERVAL) {
    return { done: false, reason: "check_too_soon", retryAfter: probed + CHECK_INTERVAL - now };
  }
  await scope.state.storage.put(doProbeKey(fp), now);
  const answer = await mintAnchor(scope, fp, current.registration);
  return { done: true, reason: `client_${answer}` };
}

async function kvTrustUntil(scope: RegistrarScope, host: string, fp: string): Promise<string | null> {
  const kv = scope.env().APPS;
  if (kv === undefined) return null;
  try {
    const text = await kv.get(appKvKey(host, fp));
    const entry = text === null ? null : decodeKvEntry(text);
    return entry === null ? null : iso(entry.trustUntil);
  } catch {
    return null;
  }
}

/** `sha256:` + 16 hex digits of SHA-256(client_id): enough to tell two registrations apart. */
export async function clientFingerprint(clientId: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(clientId));
  const hex = [...new Uint8Array(digest).slice(0, 8)].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `sha256:${hex}`;
}

function iso(seconds: number): string {
  return new Date(seconds * 1000).toISOString();
}

async function isoOrNull(value: Promise<number | undefined>): Promise<string | null> {
  const seconds = await value;
  return seconds === undefined ? null : iso(seconds);
}
