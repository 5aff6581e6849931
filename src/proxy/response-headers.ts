/**
 * What of the instance's answer reaches the browser: an allow-list (issue 9, item 1). Never
 * Set-Cookie, never the instance's CORS headers (the BFF answers CORS itself, ruling 7), never
 * anything that could make the answer a document on the BFF's origin. `Link` and `Location` are
 * rewritten to the BFF or dropped (links.ts), the type is made safe (content-type.ts), and caching
 * is `private, no-store`: answers are per-user, and nothing an instance sends is stricter.
 */
import { SAFETY_HEADERS, safeContentType } from "./content-type.ts";
import { type LinkContext, rewriteLinkHeader, rewriteUrl } from "./links.ts";

/** Response headers copied as they are (lower-case). */
export const FORWARDED_RESPONSE_HEADERS: readonly string[] = [
  "etag",
  "last-modified",
  "content-language",
  "content-range",
  "accept-ranges",
  "retry-after",
  "x-ratelimit-limit",
  "x-ratelimit-remaining",
  "x-ratelimit-reset",
  "x-request-id",
];

export const PROXY_CACHE_CONTROL = "private, no-store";

/** The browser-facing headers for an upstream answer; `hasBody` false for 204/304/HEAD. */
export function proxiedResponseHeaders(upstream: Headers, hasBody: boolean, links: LinkContext): Headers {
  const headers = new Headers();
  for (const name of FORWARDED_RESPONSE_HEADERS) {
    const value = upstream.get(name);
    if (value !== null) headers.set(name, value);
  }
  copyBodyFraming(upstream, headers);
  const type = safeContentType(upstream.get("content-type"), hasBody);
  if (type.type !== null) headers.set("content-type", type.type);
  if (!type.inline) headers.set("content-disposition", "attachment");
  for (const [name, value] of SAFETY_HEADERS) headers.set(name, value);
  headers.set("cache-control", PROXY_CACHE_CONTROL);
  const link = upstream.get("link");
  const rewrittenLink = link === null ? null : rewriteLinkHeader(link, links);
  if (rewrittenLink !== null) headers.set("link", rewrittenLink);
  const location = upstream.get("location");
  const rewrittenLocation = location === null ? null : rewriteUrl(location, links);
  if (rewrittenLocation !== null) headers.set("location", rewrittenLocation);
  return headers;
}

/**
 * The runtime hands us a decoded body but keeps the instance's Content-Encoding, and encodes
 * again on the way out when that header is set; the upstream Content-Length then describes the
 * compressed bytes, so it only passes for unencoded bodies.
 */
function copyBodyFraming(upstream: Headers, headers: Headers): void {
  const encoding = upstream.get("content-encoding");
  if (encoding !== null) {
    headers.set("content-encoding", encoding);
    return;
  }
  const length = upstream.get("content-length");
  if (length !== null) headers.set("content-length", length);
}
