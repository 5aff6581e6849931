/** PKCE (RFC 7636) and the random values of a login transaction. */
import { base64url } from "jose";

/** 256 random bits, base64url: used for `state` and the PKCE `code_verifier` (§4.1: 43–128 chars). */
export function randomToken(): string {
  return base64url.encode(crypto.getRandomValues(new Uint8Array(32)));
}

/** S256 code challenge (RFC 7636 §4.2). */
export async function codeChallenge(verifier: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
  return base64url.encode(new Uint8Array(digest));
}
