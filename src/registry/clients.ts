/**
 * The registrar's registration records: the current one per fingerprint, and every registration
 * by client_id for as long as a session made with it may still revoke its token, pruned after.
 */
import { nowSeconds } from "../clock.ts";
import { open, seal, sealedUnderCurrentKey } from "../crypto/seal.ts";
import { decodeRegistration, type Registration } from "../oauth/registration.ts";
import { keepingOf, REGISTRATION_SEAL_TTL } from "./keeping.ts";
import { type Current, keyRingOf, type RegistrarScope } from "./scope.ts";
import {
  DO_CLIENT_PREFIX,
  doAppTokenKey,
  doBackoffKey,
  doCheckedKey,
  doClientKey,
  doCurrentKey,
  doLegacyClientKey,
  doReplacedKey,
} from "./storage-keys.ts";

/** A registration by client_id, kept until `until` so sessions made with it can revoke their token. */
interface StoredClient {
  readonly sealed: string;
  readonly until: number;
}

/** A login takes at most this long (the login cookie's lifetime) before its session begins. */
const LOGIN_WINDOW = 3600;

/** Client records deleted per storage call (the Durable Object storage limit per delete). */
const DELETE_BATCH = 128;

/**
 * The current registration of `fp`, if it opens and belongs to `host`. One sealed under an older
 * key of the ring is sealed again under the current one (same expiry) and stored: an operator who
 * rotates SESSION_KEYS — new key first, the old one dropped after SESSION_TTL — keeps every
 * registration a login used meanwhile (logins ask here at least once a day: KV_TRUST), instead of
 * registering a new app on each instance and losing the old app's credentials for revocation.
 */
export async function readCurrent(scope: RegistrarScope, fp: string, host: string): Promise<Current | null> {
  const sealed = await scope.state.storage.get<string>(doCurrentKey(fp));
  if (sealed === undefined) return null;
  const ring = await keyRingOf(scope);
  const payload = await open(sealed, "app", ring);
  const registration = payload === null ? null : decodeRegistration(payload);
  if (payload === null || registration?.host !== host) return null;
  if (sealedUnderCurrentKey(sealed, ring)) return { registration, sealed };
  const now = nowSeconds();
  const resealed = await seal({ ...registration }, "app", ring, payload.exp - now, now);
  await storeResealed(scope, fp, registration, resealed);
  return { registration, sealed: resealed };
}

/** Replaces the current record and its client record with `resealed`; the client's lifetime stays. */
async function storeResealed(
  scope: RegistrarScope,
  fp: string,
  registration: Registration,
  resealed: string,
): Promise<void> {
  const storage = scope.state.storage;
  const entries: Record<string, unknown> = { [doCurrentKey(fp)]: resealed };
  const client = await storage.get<StoredClient>(doClientKey(registration.clientId));
  if (client !== undefined) entries[doClientKey(registration.clientId)] = { ...client, sealed: resealed };
  await storage.put(entries);
}

/** Any registration of this host by client_id, including replaced ones (sealed), or null. */
export async function readClient(scope: RegistrarScope, clientId: string): Promise<string | null> {
  const storage = scope.state.storage;
  const stored = await storage.get<StoredClient>(doClientKey(clientId));
  if (stored !== undefined) return stored.until > nowSeconds() ? stored.sealed : null;
  return (await storage.get<string>(doLegacyClientKey(clientId))) ?? null;
}

/** The registration with this client_id, opened, or null. */
export async function readClientRegistration(scope: RegistrarScope, clientId: string) {
  const sealed = await readClient(scope, clientId);
  const payload = sealed === null ? null : await open(sealed, "app", await keyRingOf(scope));
  const registration = payload === null ? null : decodeRegistration(payload);
  return registration?.clientId === clientId ? registration : null;
}

/**
 * Makes `next` current (its back-off, anchor and check cleared); the registration it replaces
 * stays findable while its sessions may revoke. Call `pruneClients` after.
 */
export async function storeCurrent(
  scope: RegistrarScope,
  fp: string,
  next: Current,
  previous: Current | null,
  sessionTtl: number,
): Promise<void> {
  const now = nowSeconds();
  const perLogin = keepingOf(next.registration.software) === "per-login";
  // A per-login app serves one login and then its session; a shared one until it is replaced.
  const until = perLogin ? now + LOGIN_WINDOW + sessionTtl : now + REGISTRATION_SEAL_TTL;
  const entries: Record<string, unknown> = {
    [doCurrentKey(fp)]: next.sealed,
    [doClientKey(next.registration.clientId)]: { sealed: next.sealed, until } satisfies StoredClient,
  };
  if (previous !== null && !perLogin) {
    const retired: StoredClient = { sealed: previous.sealed, until: now + sessionTtl };
    entries[doClientKey(previous.registration.clientId)] = retired;
    entries[doReplacedKey(fp)] = now;
  }
  const storage = scope.state.storage;
  await storage.put(entries);
  await storage.delete([doBackoffKey(fp), doAppTokenKey(fp), doCheckedKey(fp)]);
}

/** Drops client records no session can use any more, so they stay bounded. */
export async function pruneClients(scope: RegistrarScope, now: number): Promise<void> {
  const storage = scope.state.storage;
  const records = await storage.list<StoredClient>({ prefix: DO_CLIENT_PREFIX, limit: 1000 });
  const expired = [...records].filter(([, v]) => v.until <= now).map(([k]) => k);
  for (let i = 0; i < expired.length; i += DELETE_BATCH) {
    await storage.delete(expired.slice(i, i + DELETE_BATCH));
  }
}

/** Keeps a per-login app's record (src/registry/per-login.ts) readable until `until` at least. */
export async function extendClient(scope: RegistrarScope, clientId: string, until: number): Promise<void> {
  const stored = await scope.state.storage.get<StoredClient>(doClientKey(clientId));
  if (stored === undefined || stored.until >= until) return;
  await scope.state.storage.put(doClientKey(clientId), { ...stored, until } satisfies StoredClient);
}
