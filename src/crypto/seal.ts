/**
 * Seals and opens values as compact JWE (`dir` + `A256GCM`, RFC 7516) whose plaintext is a JWT
 * claims set (RFC 7519) with a purpose bound into `aud`, so a login cookie can never be replayed
 * as a session or a stored registration. The claims are checked here (exp, iat, aud) instead of
 * with jose's JWT layer: the same checks, and a smaller bundle.
 *
 * jose writes every sealed value. Opening runs on every request that misses the session memo, so
 * it accepts only what `seal` writes — the protected header byte for byte as sealed under one of
 * the ring's keys — and then takes RFC 7516 §5.2's steps for that one header itself: AES-GCM with
 * the key, the 96-bit IV, the 128-bit tag and the header segment as additional data. No header is
 * parsed, so no algorithm, `zip`, `crit` or key-management path exists to be chosen by the sender.
 */
import { base64url, CompactEncrypt } from "jose";
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
  return new CompactEncrypt(encoder.encode(payload))
    .setProtectedHeader(protectedHeader(ring.current.kid))
    .encrypt(ring.current.key);
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

/** The protected header `seal` writes for `kid` (jose serializes it as given, in this order). */
function protectedHeader(kid: string): { alg: string; enc: string; kid: string } {
  return { alg: ALG, enc: ENC, kid };
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
      const header = base64url.encode(JSON.stringify(protectedHeader(key.kid)));
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
