/**
 * What of the browser's request reaches the instance: an allow-list of the headers the Mastodon
 * API reads, plus the account's Bearer token. Everything else stays behind — cookies (the BFF's
 * own session), the browser's Authorization, Host, hop-by-hop headers, X-Forwarded-* and Forwarded,
 * Cloudflare's cf-*, Origin, Referer, Sec-*, and fedi-bff's own X-CSRF and X-Account — because
 * only listed names are ever copied.
 */

import { FRONTEND_REQUEST_HEADERS } from "../middleware/cors.ts";
import { FEDI_BFF_REQUEST_HEADERS } from "../middleware/origin.ts";

const OWN: ReadonlySet<string> = new Set(FEDI_BFF_REQUEST_HEADERS);

/**
 * Request headers copied as they are (lower-case): what a frontend may send, less fedi-bff's own,
 * plus the body's length (set by the browser itself, never a CORS question).
 */
export const FORWARDED_REQUEST_HEADERS: readonly string[] = [
  ...FRONTEND_REQUEST_HEADERS.filter((name) => !OWN.has(name)),
  "content-length",
];

/**
 * Headers for the upstream request. The browser's User-Agent is kept (instances show it in their
 * session list); without one, fedi-bff's own — GoToSocial answers 418 to requests without any.
 */
export function upstreamRequestHeaders(incoming: Headers, token: string, fallbackUserAgent: string): Headers {
  return new Headers(upstreamHeaderRecord(incoming, token, fallbackUserAgent));
}

/**
 * `upstreamRequestHeaders` as a plain record, which `fetch` takes in one call (no Headers object
 * and no `set` per name on the hot path).
 */
export function upstreamHeaderRecord(
  incoming: Headers,
  token: string,
  fallbackUserAgent: string,
): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const name of FORWARDED_REQUEST_HEADERS) {
    const value = incoming.get(name);
    if (value !== null) headers[name] = value;
  }
  headers["user-agent"] = incoming.get("user-agent") ?? fallbackUserAgent;
  headers.authorization = `Bearer ${token}`;
  return headers;
}
