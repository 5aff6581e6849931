/**
 * Seals and opens values as compact JWE (`dir` + `A256GCM`, RFC 7516) whose plaintext is a JWT
 * claims set (RFC 7519) with a purpose bound into `aud`, so a login cookie can never be replayed
 * as a session or a stored registration. The claims are checked here (exp, iat, aud) instead of
 * with jose's JWT layer: the same checks, and a smaller bundle.
 */
import { CompactEncrypt, compactDecrypt } from "jose";
import type { KeyRing } from "./key-ring.ts";

export type SealPurpose = "session" | "login" | "app";
export type Claims = Record<string, unknown> & { readonly exp: number; readonly iat: number };

/** Larger inputs are refused before any parsing (a cookie is at most ~4 KB anyway). */
export const MAX_SEALED_LENGTH = 8192;

const ALG = "dir";
const ENC = "A256GCM";
/** Five compact segments, the second (encrypted key) empty for `dir`. */
const COMPACT_DIR = /^[A-Za-z0-9_-]+\.\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
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
    .setProtectedHeader({ alg: ALG, enc: ENC, kid: ring.current.kid })
    .encrypt(ring.current.key);
}

/**
 * Opens a sealed value as of `now`; any failure (size, format, unknown kid, another alg — no PBES2
 * or RSA, a known denial of service —, compression, tampering, expiry, wrong purpose) yields null, never a throw.
 */
export async function open(
  sealed: string,
  purpose: SealPurpose,
  ring: KeyRing,
  now: number = nowSeconds(),
): Promise<Claims | null> {
  if (sealed.length === 0 || sealed.length > MAX_SEALED_LENGTH || !COMPACT_DIR.test(sealed)) return null;
  let plaintext: Uint8Array;
  try {
    ({ plaintext } = await compactDecrypt(
      sealed,
      (header) => {
        // Compressed plaintext (RFC 7516 §4.1.3 "zip") is never sealed here: refuse it before any
        // decryption, as jose would otherwise inflate up to 250 KB of it.
        if (header.zip !== undefined) throw new Error("compressed JWE");
        const key = typeof header.kid === "string" ? ring.byKid.get(header.kid) : undefined;
        if (key === undefined) throw new Error("unknown kid");
        return key.key;
      },
      { keyManagementAlgorithms: [ALG], contentEncryptionAlgorithms: [ENC], maxDecompressedLength: 0 },
    ));
  } catch {
    return null;
  }
  return checkClaims(plaintext, purpose, now);
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

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
