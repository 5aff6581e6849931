/**
 * Storage key builders (docs/storage.md lists every key, its value and its lifetime).
 * One function per record type, with the format version in the prefix.
 */
import { base64url } from "jose";
import type { RegistrationRequest } from "../oauth/registration.ts";

/** Which app a login needs, as a short digest of (redirect_uri, scopes). */
export async function registrationFingerprint(
  req: Pick<RegistrationRequest, "redirectUri" | "scopes">,
): Promise<string> {
  const data = new TextEncoder().encode(`${req.redirectUri}\n${req.scopes}`);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", data));
  return base64url.encode(digest.slice(0, 12));
}

/**
 * KV: the current registration of a host for one (redirect_uri, scopes), with how long a login
 * start may use it without asking the registrar (`{ sealed, trustUntil }` as JSON).
 */
export function appKvKey(host: string, fingerprint: string): string {
  return `${appKvPrefix(host)}${fingerprint}`;
}

/** The prefix of every KV key of one host. */
export function appKvPrefix(host: string): string {
  return `app:v2:${host}:`;
}

/** Durable Object storage (one object per host): current registration per fingerprint. */
export function doCurrentKey(fingerprint: string): string {
  return `current:v1:${fingerprint}`;
}

/** Durable Object storage, before expiries were stored: a registration by client_id (read only). */
export function doLegacyClientKey(clientId: string): string {
  return `client:v1:${clientId}`;
}

/** Durable Object storage: any registration of this host by client_id, kept while a session may revoke with it. */
export function doClientKey(clientId: string): string {
  return `${DO_CLIENT_PREFIX}${clientId}`;
}

export const DO_CLIENT_PREFIX = "client:v2:";

/** Durable Object storage: a recent failure that blocks new registration attempts until it passes. */
export function doBackoffKey(fingerprint: string): string {
  return `backoff:v1:${fingerprint}`;
}

/**
 * Durable Object storage: the sealed app token (client_credentials) of the current registration,
 * its anchor (never revoked while the registration is current: Mastodon 4.2.0–4.2.8 keep an app
 * with a token; its grant also tells whether the instance still knows the client).
 */
export function doAppTokenKey(fingerprint: string): string {
  return `apptoken:v2:${fingerprint}`;
}

/** Durable Object storage: when the current registration was last checked with the instance. */
export function doCheckedKey(fingerprint: string): string {
  return `checked:v1:${fingerprint}`;
}

/** Durable Object storage: when a login retry last made the registrar check the client (bounds checks). */
export function doProbeKey(fingerprint: string): string {
  return `probe:v1:${fingerprint}`;
}

/** Durable Object storage: when a registration was last replaced as dead (bounds replacements). */
export function doReplacedKey(fingerprint: string): string {
  return `replaced:v1:${fingerprint}`;
}

/**
 * Durable Object storage: one per-login app (snac, Friendica) and where its login stands,
 * `{ client, at, state, reusable }` (src/registry/per-login.ts).
 */
export function doPerLoginKey(clientId: string): string {
  return `${DO_PER_LOGIN_PREFIX}${clientId}`;
}

export const DO_PER_LOGIN_PREFIX = "perlogin:v1:";

/**
 * Durable Object storage: the sessions holding one token, `{ <holder id>: <until> }`, under the
 * token's keyed hash (src/registry/token-holders.ts). Never the token itself.
 */
export function doHoldersKey(tokenHash: string): string {
  return `${DO_HOLDERS_PREFIX}${tokenHash}`;
}

export const DO_HOLDERS_PREFIX = "holders:v1:";

/** Durable Object storage: where the sweep of ended holdings resumes (a `holders:v1:` key). */
export function doHoldersSweepKey(): string {
  return "holders-sweep:v1";
}

/**
 * Durable Object storage: the latest refresh grant made with one refresh token (its SHA-256, never
 * the token), sealed, kept for REFRESH_MEMO so other tabs holding the old cookie get the same
 * result instead of a second grant that a rotating server (Pixelfed) refuses.
 */
export async function doRefreshKey(clientId: string, refreshToken: string): Promise<string> {
  const data = new TextEncoder().encode(`${clientId}\n${refreshToken}`);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", data));
  return `${DO_REFRESH_PREFIX}${base64url.encode(digest)}`;
}

export const DO_REFRESH_PREFIX = "refresh:v1:";

/** Durable Object storage: the operator's view of one fingerprint (last check, replacements, per hour). */
export function doStatsKey(fingerprint: string): string {
  return `stats:v1:${fingerprint}`;
}

/** The name of the one Registrar object that indexes the hosts with a registration (no host has it). */
export const REGISTRAR_INDEX = "~index";

/** Durable Object storage, on the index object: a host with a registration → when it was named. */
export function doIndexedHostKey(host: string): string {
  return `${INDEXED_HOST_PREFIX}${host}`;
}

export const INDEXED_HOST_PREFIX = "host:v1:";
/** Durable Object storage: a revocation that failed, retried later (the token sealed, never in clear). */
export function doRevokeKey(id: string): string {
  return `${DO_REVOKE_PREFIX}${id}`;
}

export const DO_REVOKE_PREFIX = "revoke:v1:";
