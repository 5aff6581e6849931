/**
 * What of the browser's request reaches the instance: an allow-list of the headers the Mastodon
 * API reads, plus the account's Bearer token. Everything else stays behind — cookies (the BFF's
 * own session), the browser's Authorization, Host, hop-by-hop headers, X-Forwarded-* and Forwarded,
 * Cloudflare's cf-*, Origin, Referer, Sec-*, and fedi-bff's own X-CSRF and X-Account (issue 9,
 * item 8) — because only listed names are ever copied.
 */

/** Request headers copied as they are (lower-case). */
export const FORWARDED_REQUEST_HEADERS: readonly string[] = [
  "accept",
  "accept-language",
  "content-type",
  "content-length",
  "idempotency-key",
  "if-none-match",
  "if-modified-since",
  "if-range",
  "range",
];

/**
 * Headers for the upstream request. The browser's User-Agent is kept (instances show it in their
 * session list); without one, fedi-bff's own — GoToSocial answers 418 to requests without any.
 */
export function upstreamRequestHeaders(incoming: Headers, token: string, fallbackUserAgent: string): Headers {
  const headers = new Headers();
  for (const name of FORWARDED_REQUEST_HEADERS) {
    const value = incoming.get(name);
    if (value !== null) headers.set(name, value);
  }
  headers.set("user-agent", incoming.get("user-agent") ?? fallbackUserAgent);
  headers.set("authorization", `Bearer ${token}`);
  return headers;
}
