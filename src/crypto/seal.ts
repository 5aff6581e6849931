/**
 * Seals and opens values as compact JWE (`dir` + `A256GCM`, RFC 7516) whose plaintext is a JWT
 * claims set (RFC 7519) with a purpose bound into `aud`, so a login cookie can never be replayed
 * as a session or a stored registration. The claims are checked here (exp, iat, aud) instead of
 * with jose's JWT layer: the same checks, and a smaller bundle.
 *
 * Both directions take RFC 7516's steps for the one header this module writes — `{"alg":"dir",
 * "enc":"A256GCM","kid":…}` — with WebCrypto directly: AES-256-GCM under the ring's key (with
 * `dir` the key is the content-encryption key), a fresh random 96-bit IV per value, the 128-bit
 * tag, and the header segment's ASCII as additional data (§5.1 step 14, §5.2 step 14). jose's
 * generic JWE code would carry every key-management algorithm into the bundle (about a third of
 * the Worker's gzip size) for one path; jose keeps the base64url codec and is the tests' oracle:
 * every value `seal` writes opens with jose's `compactDecrypt`, and `open` accepts nothing jose
 * refuses (test/crypto/seal.test.ts).
 *
 * Opening accepts only what `seal` writes — the protected header byte for byte as sealed under
 * one of the ring's keys. No header is parsed, so no algorithm, `zip`, `crit` or key-management
 * path exists to be chosen by the sender.
 *
 * Random IVs under one key stay within NIST SP 800-38D §8.3's bound (2^32 encryptions) as long as
 * keys are rotated well before four billion seals; docs/security.md says how to rotate.
 */
import { base64url } from "jose";
import { nowSeconds } from "../clock.ts";
import type { KeyRing } from "./key-ring.ts";

export type SealPurpose = "session" | "login" | "app" | "refresh";
export type Claims = Record<string, unknown> & { readonly exp: number; readonly iat: number };

/** Larger inputs are refused before any parsing (a cookie is at most ~4 KB anyway). */
export const MAX_SEALED_LENGTH = 8192;

const ALG = "dir";
const ENC = "A256GCM";
/** Five compact segments, the second (encrypted key) empty for `dir`. */
const COMPACT_DIR = /^[A-Za-z0-9_-]+\.\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
/** A256GCM's IV and tag sizes (RFC 7518 §5.3): 96 and 128 bits. */
const IV_BYTES = 12;
const TAG_BYTES = 16;
const IV_CHARS = 16;
const TAG_CHARS = 22;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Encrypts `claims` for `purpose`, valid for `ttlSeconds` from `now` (seconds since epoch). */
export async function seal(
  claims: Record<string, unknown>,
  purpose: SealPurpose,
  ring: KeyRing,
  ttlSeconds: number,
  now: number = nowSeconds(),
): Promise<string> {
  const payload = JSON.stringify({ ...claims, aud: `fedi-bff:${purpose}`, iat: now, exp: now + ttlSeconds });
  const { current } = ring;
  const header = headerSegment(current.kid);
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
  // WebCrypto returns the ciphertext with the tag appended; compact JWE carries them apart.
  const sealed = new Uint8Array(
    await crypto.subtle.encrypt(
      { name: "AES-GCM", iv, additionalData: encoder.encode(header), tagLength: TAG_BYTES * 8 },
      current.key,
      encoder.encode(payload),
    ),
  );
  const tagAt = sealed.length - TAG_BYTES;
  return `${header}..${base64url.encode(iv)}.${base64url.encode(sealed.subarray(0, tagAt))}.${base64url.encode(sealed.subarray(tagAt))}`;
}

/**
 * Opens a sealed value as of `now`; any failure (size, format, a header `seal` did not write — an
 * unknown kid, another alg such as PBES2 or RSA, a known denial of service, compression —,
 * tampering, expiry, wrong purpose) yields null, never a throw.
 */
export async function open(
  sealed: string,
  purpose: SealPurpose,
  ring: KeyRing,
  now: number = nowSeconds(),
): Promise<Claims | null> {
  if (sealed.length === 0 || sealed.length > MAX_SEALED_LENGTH || !COMPACT_DIR.test(sealed)) return null;
  // The shape is proven: header, an empty segment, IV, ciphertext, tag; no other dot.
  const headerEnd = sealed.indexOf(".");
  const key = keysByHeader(ring).get(sealed.slice(0, headerEnd));
  if (key === undefined) return null;
  const ivStart = headerEnd + 2;
  const cipherStart = sealed.indexOf(".", ivStart) + 1;
  const tagStart = sealed.lastIndexOf(".") + 1;
  // Unpadded base64url spells 12 and 16 bytes in exactly 16 and 22 characters.
  if (cipherStart - 1 - ivStart !== IV_CHARS || sealed.length - tagStart !== TAG_CHARS) return null;
  const cipherBytes = Math.floor(((tagStart - 1 - cipherStart) * 3) / 4);
  // WebCrypto takes the tag appended to the ciphertext: both are decoded into one buffer of their
  // own (never shared memory, as its BufferSource requires).
  const iv = new Uint8Array(IV_BYTES);
  const data = new Uint8Array(cipherBytes + TAG_BYTES);
  let plaintext: ArrayBuffer;
  try {
    decodeInto(iv, sealed.slice(ivStart, cipherStart - 1));
    decodeInto(data.subarray(0, cipherBytes), sealed.slice(cipherStart, tagStart - 1));
    decodeInto(data.subarray(cipherBytes), sealed.slice(tagStart));
    plaintext = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv, additionalData: key.aad, tagLength: TAG_BYTES * 8 },
      key.key,
      data,
    );
  } catch {
    return null;
  }
  return checkClaims(new Uint8Array(plaintext), purpose, now);
}

/**
 * True when `sealed` was written under the ring's current key, as `seal` writes now: a stored
 * value that is not can be sealed again before its key leaves the ring.
 */
export function sealedUnderCurrentKey(sealed: string, ring: KeyRing): boolean {
  return sealed.startsWith(`${headerSegment(ring.current.kid)}.`);
}

/** `Uint8Array.prototype.setFromBase64` (TC39 base64), native in workerd; not yet in TypeScript's lib. */
type Base64Target = Uint8Array & {
  setFromBase64?: (text: string, options: { alphabet: "base64url" }) => { read: number; written: number };
};
const BASE64URL = { alphabet: "base64url" } as const;

/**
 * Decodes base64url `text` into all of `target`, with no buffer in between; throws unless `text`
 * is exactly that many bytes. (The characters were checked by the caller: no padding, no space.)
 */
function decodeInto(target: Base64Target, text: string): void {
  if (target.setFromBase64 !== undefined) {
    const { read, written } = target.setFromBase64(text, BASE64URL);
    if (read === text.length && written === target.length) return;
  } else {
    const bytes = base64url.decode(text);
    if (bytes.length === target.length) {
      target.set(bytes);
      return;
    }
  }
  throw new TypeError("a sealed value's segment has the wrong length");
}

/** The protected header segment `seal` writes for `kid`: BASE64URL(UTF8(header)), RFC 7516 §7.1. */
function headerSegment(kid: string): string {
  return base64url.encode(JSON.stringify({ alg: ALG, enc: ENC, kid }));
}

/** A ring key with the additional data of every value sealed under it: its header segment's ASCII. */
interface OpeningKey {
  readonly key: CryptoKey;
  readonly aad: Uint8Array<ArrayBuffer>;
}

const headerIndex = new WeakMap<KeyRing, ReadonlyMap<string, OpeningKey>>();

/** The ring's keys by the exact header segment a value sealed under each carries (built once per ring). */
function keysByHeader(ring: KeyRing): ReadonlyMap<string, OpeningKey> {
  let index = headerIndex.get(ring);
  if (index === undefined) {
    const entries = [...ring.byKid.values()].map((key) => {
      const header = headerSegment(key.kid);
      // A fresh buffer of its own (never shared memory), as WebCrypto's BufferSource requires.
      const aad = encoder.encode(header) as Uint8Array<ArrayBuffer>;
      return [header, { key: key.key, aad }] as const;
    });
    index = new Map(entries);
    headerIndex.set(ring, index);
  }
  return index;
}

function checkClaims(plaintext: Uint8Array, purpose: SealPurpose, now: number): Claims | null {
  let claims: unknown;
  try {
    claims = JSON.parse(decoder.decode(plaintext));
  } catch {
    return null;
  }
  if (typeof claims !== "object" || claims === null || Array.isArray(claims)) return null;
  const { aud, exp, iat } = claims as Record<string, unknown>;
  if (aud !== `fedi-bff:${purpose}` || typeof exp !== "number" || typeof iat !== "number") return null;
  return exp > now ? (claims as Claims) : null;
}
