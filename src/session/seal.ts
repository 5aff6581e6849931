/**
 * Seals and opens values as compact JWE (`dir` + `A256GCM`, RFC 7516) with a purpose bound into
 * the `aud` claim, so a login cookie can never be replayed as a session or a stored registration.
 */
import { EncryptJWT, type JWTPayload, jwtDecrypt } from "jose";
import type { KeyRing } from "./keys.ts";

export type SealPurpose = "session" | "login" | "app";

/** Larger inputs are refused before any parsing (a cookie is at most ~4 KB anyway). */
export const MAX_SEALED_LENGTH = 8192;

const ALG = "dir";
const ENC = "A256GCM";

/** Encrypts `claims` for `purpose`, valid for `ttlSeconds` from `now` (seconds since epoch). */
export async function seal(
  claims: Record<string, unknown>,
  purpose: SealPurpose,
  ring: KeyRing,
  ttlSeconds: number,
  now: number = nowSeconds(),
): Promise<string> {
  return new EncryptJWT(claims)
    .setProtectedHeader({ alg: ALG, enc: ENC, kid: ring.current.kid })
    .setAudience(`fedi-bff:${purpose}`)
    .setIssuedAt(now)
    .setExpirationTime(now + ttlSeconds)
    .encrypt(ring.current.secret);
}

/**
 * Opens a sealed value; any failure (size, format, unknown kid, other alg — no PBES2 or RSA, which
 * are a known denial of service —, tampering, expiry, wrong purpose) yields null, never a throw.
 */
export async function open(
  sealed: string,
  purpose: SealPurpose,
  ring: KeyRing,
  now: number = nowSeconds(),
): Promise<JWTPayload | null> {
  if (sealed.length === 0 || sealed.length > MAX_SEALED_LENGTH) return null;
  if (!/^[A-Za-z0-9_-]+\.\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(sealed)) return null;
  try {
    const { payload } = await jwtDecrypt(
      sealed,
      (header) => {
        const key = typeof header.kid === "string" ? ring.byKid.get(header.kid) : undefined;
        if (key === undefined) throw new Error("unknown kid");
        return key.secret;
      },
      {
        keyManagementAlgorithms: [ALG],
        contentEncryptionAlgorithms: [ENC],
        audience: `fedi-bff:${purpose}`,
        currentDate: new Date(now * 1000),
        requiredClaims: ["exp", "iat"],
      },
    );
    return payload;
  } catch {
    return null;
  }
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
