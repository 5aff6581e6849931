/**
 * The Worker's side of app registrations: a login start reads KV once (the hot path) and asks the
 * instance's Durable Object only on a miss; a callback finds the exact client its authorize step
 * used — through KV when it already shows it, else through the Durable Object, never by waiting
 * for KV to catch up. Without a KV binding (self-hosted on workerd) each of these reads goes
 * straight to the Durable Object: the same path as a KV miss, so there is no second code path.
 */

import { nowSeconds } from "../clock.ts";
import type { Env } from "../config/env.ts";
import type { RegistrarResult, RegistrarSettings } from "../config/registrar-rpc.ts";
import type { KeyRing } from "../crypto/key-ring.ts";
import { open } from "../crypto/seal.ts";
import { BffError } from "../errors.ts";
import { asRecord } from "../http/upstream.ts";
import { decodeRegistration, type Registration, type RegistrationRequest } from "../oauth/registration.ts";
import { callRegistrar, sealedOf } from "./registrar-call.ts";
import { appKvKey, registrationFingerprint } from "./storage-keys.ts";

export interface RegistryDeps {
  /**
   * The read cache the registrar fills. Absent when self-hosted (no KV off Cloudflare): every read
   * then goes to the registrar, which holds the same registrations on local disk.
   */
  readonly kv: KVNamespace | undefined;
  readonly registrar: Env["REGISTRAR"];
  readonly ring: KeyRing;
  /** The handler's variables, sent with each call: the Registrar works with these. */
  readonly settings: RegistrarSettings;
}

/**
 * The registration a new login uses: one KV read while the registrar vouches for the cached copy
 * (src/registry/keeping.ts), else the registrar decides, checking with the instance if needed.
 */
export async function registrationForLogin(
  deps: RegistryDeps,
  req: RegistrationRequest,
): Promise<Registration> {
  const cached = await readKv(deps, req, true);
  if (cached !== null && cached.trustUntil > nowSeconds()) return cached.registration;
  return fromResult(
    deps,
    req,
    await callRegistrar<RegistrarResult>(deps.registrar, req.host, (stub) => stub.ensure(req, deps.settings)),
  );
}

/** The registration with this client_id on this host (KV first, then the Durable Object), or null. */
export async function registrationForClient(
  deps: RegistryDeps,
  req: RegistrationRequest,
  clientId: string,
): Promise<Registration | null> {
  const cached = (await readKv(deps, req, false))?.registration;
  if (cached?.clientId === clientId) return cached;
  const sealed = await callRegistrar<string | null>(deps.registrar, req.host, (stub) =>
    stub.byClientId(clientId),
  );
  if (sealed === null) return null;
  const registration = await openRegistration(deps, sealed, req.host);
  return registration?.clientId === clientId ? registration : null;
}

/** A fresh registration replacing one the instance no longer knows (`invalid_client`). */
export async function replaceRegistration(
  deps: RegistryDeps,
  req: RegistrationRequest,
  deadClientId: string,
): Promise<Registration> {
  const result = await callRegistrar<RegistrarResult>(deps.registrar, req.host, (stub) =>
    stub.replace(req, deadClientId, deps.settings),
  );
  return fromResult(deps, req, result);
}

/**
 * The registration for a login that retries one which never came back: the Durable Object checks
 * with the instance that `clientId` still exists and replaces it if not (GoToSocial reports a
 * deleted app only on its own authorize page).
 */
export async function verifiedRegistration(
  deps: RegistryDeps,
  req: RegistrationRequest,
  clientId: string,
): Promise<Registration> {
  const result = await callRegistrar<RegistrarResult>(deps.registrar, req.host, (stub) =>
    stub.verify(req, clientId, deps.settings),
  );
  return fromResult(deps, req, result);
}

async function readKv(
  deps: RegistryDeps,
  req: RegistrationRequest,
  required: boolean,
): Promise<{ registration: Registration; trustUntil: number } | null> {
  if (deps.kv === undefined) return null;
  const key = appKvKey(req.host, await registrationFingerprint(req));
  let sealed: string | null;
  try {
    sealed = await deps.kv.get(key);
  } catch (error) {
    if (!required) return null;
    throw new BffError("storage_unavailable", "Storage is unavailable; try again shortly.", {
      internal: `KV read ${key}: ${String(error)}`,
    });
  }
  const entry = sealed === null ? null : decodeKvEntry(sealed);
  if (entry === null) return null;
  const registration = await openRegistration(deps, entry.sealed, req.host);
  return registration === null ? null : { registration, trustUntil: entry.trustUntil };
}

/** The KV value `{ sealed, trustUntil }`; anything else (an older format) counts as a miss. */
export function decodeKvEntry(text: string): { sealed: string; trustUntil: number } | null {
  if (!text.startsWith("{")) return null;
  try {
    const { sealed, trustUntil } = asRecord(JSON.parse(text)) ?? {};
    return typeof sealed === "string" && typeof trustUntil === "number" ? { sealed, trustUntil } : null;
  } catch {
    return null;
  }
}

async function openRegistration(
  deps: RegistryDeps,
  sealed: string,
  host: string,
): Promise<Registration | null> {
  const payload = await open(sealed, "app", deps.ring);
  const registration = payload === null ? null : decodeRegistration(payload);
  // A registration is only ever used for the host it was made on (an instance picks its own
  // client_id and could copy another instance's).
  return registration?.host === host ? registration : null;
}

async function fromResult(
  deps: RegistryDeps,
  req: RegistrationRequest,
  result: RegistrarResult,
): Promise<Registration> {
  const registration = await openRegistration(deps, sealedOf(result), req.host);
  if (registration === null) {
    throw new BffError("internal_error", "The app registration could not be read.", {
      internal: "registrar returned a registration that does not open",
    });
  }
  return registration;
}
