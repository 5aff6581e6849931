/**
 * RFC 9207 issuer identification: the authorization response names the server that produced it,
 * so a response from another authorization server (a mix-up attack, where one instance the BFF
 * talks to plays another) is refused before its code goes anywhere.
 */
import { BffError } from "../errors.ts";
import type { Registration } from "./registration.ts";

/**
 * Throws `invalid_callback` when `iss` is missing although the server advertised
 * `authorization_response_iss_parameter_supported`, or differs from the expected issuer: its RFC
 * 8414 `issuer`, or — for a server that publishes no metadata — its origin, with or without the
 * trailing slash (the two forms servers use). RFC 9207 §2.4: an `iss` that is present is always
 * compared, and a mismatch refused.
 */
export function assertIssuer(registration: Registration, query: URLSearchParams): void {
  const issuer = registration.issuer;
  const sent = query.getAll("iss");
  if (issuer === undefined) {
    const expected = [registration.origin, `${registration.origin}/`];
    if (sent.length === 0 || (sent.length === 1 && expected.includes(sent[0] ?? ""))) return;
    throw new BffError("invalid_callback", "The sign-in answer comes from another server; start again.", {
      internal: `iss ${JSON.stringify((sent[0] ?? "").slice(0, 100))} from ${registration.host}, which publishes no issuer`,
    });
  }
  if (sent.length === 0) {
    if (!issuer.required) return;
    throw new BffError(
      "invalid_callback",
      "The sign-in answer does not say which server sent it; start again.",
      {
        internal: "iss missing although the instance advertises RFC 9207",
      },
    );
  }
  // Simple string comparison (RFC 9207 §2.4, RFC 3986 §6.2.1): no normalization.
  if (sent.length > 1 || sent[0] !== issuer.id) {
    throw new BffError("invalid_callback", "The sign-in answer comes from another server; start again.", {
      internal: `iss ${JSON.stringify((sent[0] ?? "").slice(0, 100))} is not ${JSON.stringify(issuer.id)}`,
    });
  }
}
