/**
 * The key ring for every sealed value (session cookie, login cookie, stored registrations).
 * Keys are 256-bit; the first encrypts, all decrypt, so a new key can be prepended and old
 * sessions still open until they expire. A key is named by a short hash (`kid`), never by position.
 */
import { base64url } from "jose";
import { log } from "../log.ts";

export interface SealKey {
  readonly kid: string;
  readonly secret: Uint8Array;
  /** `secret` as a non-extractable AES-GCM key (A256GCM with `dir`: the key is the CEK). */
  readonly key: CryptoKey;
}

export interface KeyRing {
  readonly current: SealKey;
  readonly byKid: ReadonlyMap<string, SealKey>;
}

const rings = new Map<string, Promise<KeyRing>>();
let ephemeral: string | undefined;

/** Builds (once per isolate) the ring for these base64url keys; an empty list means a dev-only ephemeral key. */
export function getKeyRing(encodedKeys: readonly string[]): Promise<KeyRing> {
  const keys = encodedKeys.length > 0 ? encodedKeys : [developmentKey()];
  const id = keys.join(",");
  let ring = rings.get(id);
  if (ring === undefined) {
    ring = buildRing(keys);
    rings.set(id, ring);
  }
  return ring;
}

async function buildRing(encodedKeys: readonly string[]): Promise<KeyRing> {
  const keys = await Promise.all(encodedKeys.map(importKey));
  const byKid = new Map<string, SealKey>();
  for (const key of keys) if (!byKid.has(key.kid)) byKid.set(key.kid, key);
  const [current] = keys;
  if (current === undefined) throw new Error("key ring needs at least one key");
  return { current, byKid };
}

async function importKey(encoded: string): Promise<SealKey> {
  const secret = new Uint8Array(base64url.decode(encoded));
  const [digest, key] = await Promise.all([
    crypto.subtle.digest("SHA-256", secret),
    crypto.subtle.importKey("raw", secret, "AES-GCM", false, ["encrypt", "decrypt"]),
  ]);
  return { kid: base64url.encode(new Uint8Array(digest).slice(0, 6)), secret, key };
}

/** Only reached with ENVIRONMENT=development and no SESSION_KEYS: sessions last as long as the isolate. */
function developmentKey(): string {
  if (ephemeral === undefined) {
    ephemeral = base64url.encode(crypto.getRandomValues(new Uint8Array(32)));
    log("warn", "ephemeral_session_key", { internal: "no SESSION_KEYS in development (run `npm run dev`)" });
  }
  return ephemeral;
}

/** A fresh random 256-bit key, base64url (what SESSION_KEYS expects). */
export function generateKey(): string {
  return base64url.encode(crypto.getRandomValues(new Uint8Array(32)));
}
