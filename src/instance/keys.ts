/**
 * Storage key builders (docs/storage.md lists every key, its value and its lifetime).
 * One function per record type, with the format version in the prefix.
 */
import { base64url } from "jose";
import type { RegistrationRequest } from "./registration.ts";

/** Which app a login needs, as a short digest of (redirect_uri, scopes). */
export async function registrationFingerprint(
  req: Pick<RegistrationRequest, "redirectUri" | "scopes">,
): Promise<string> {
  const data = new TextEncoder().encode(`${req.redirectUri}\n${req.scopes}`);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", data));
  return base64url.encode(digest.slice(0, 12));
}

/** KV: the current registration of a host for one (redirect_uri, scopes). */
export function appKvKey(host: string, fingerprint: string): string {
  return `app:v1:${host}:${fingerprint}`;
}

/** Durable Object storage (one object per host): current registration per fingerprint. */
export function doCurrentKey(fingerprint: string): string {
  return `current:v1:${fingerprint}`;
}

/** Durable Object storage: any registration of this host by client_id (old ones too, for revocation). */
export function doClientKey(clientId: string): string {
  return `client:v1:${clientId}`;
}

/** Durable Object storage: a recent failure that blocks new registration attempts until it passes. */
export function doBackoffKey(fingerprint: string): string {
  return `backoff:v1:${fingerprint}`;
}

/** Durable Object storage: the sealed app token (client_credentials) of the current registration. */
export function doAppTokenKey(fingerprint: string): string {
  return `apptoken:v1:${fingerprint}`;
}

/** Durable Object storage: when the current registration was last checked with the instance. */
export function doProbeKey(fingerprint: string): string {
  return `probe:v1:${fingerprint}`;
}
