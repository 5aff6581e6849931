/**
 * What of the instance's answer reaches the browser: an allow-list. Never
 * Set-Cookie, never the instance's CORS headers (the BFF answers CORS itself), never
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
const FORWARDED = new Set(FORWARDED_RESPONSE_HEADERS);

export const PROXY_CACHE_CONTROL = "private, no-store";

/** A response head as a plain record: `new Response` takes it in one call (no `set` per name). */
export type HeaderRecord = Record<string, string>;

/** The browser-facing headers for an upstream answer; `hasBody` false for 204/304/HEAD. */
export function proxiedResponseHeaders(upstream: Headers, hasBody: boolean, links: LinkContext): Headers {
  return new Headers(proxiedHeaderRecord(upstream, hasBody, links, {}));
}

/**
 * `proxiedResponseHeaders` as a record, added to `out` (which may already hold the BFF's own
 * headers; the proxy's own names win). One pass over the upstream headers: the runtime hands
 * them over as entries, so a `get` per allowed name would cost more calls than reading each once.
 */
export function proxiedHeaderRecord(
  upstream: Headers,
  hasBody: boolean,
  links: LinkContext,
  out: HeaderRecord,
): HeaderRecord {
  let type: string | null = null;
  let encoding: string | null = null;
  let length: string | null = null;
  for (const [name, value] of upstream) {
    if (FORWARDED.has(name)) out[name] = value;
    else if (name === "content-type") type = value;
    else if (name === "content-encoding") encoding = value;
    else if (name === "content-length") length = value;
    else if (name === "link") setIfRewritten(out, "link", rewriteLinkHeader(value, links));
    else if (name === "location") setIfRewritten(out, "location", rewriteUrl(value, links));
  }
  // The runtime hands us a decoded body but keeps the instance's Content-Encoding, and encodes
  // again on the way out when that header is set; the upstream Content-Length then describes the
  // compressed bytes, so it only passes for unencoded bodies.
  if (encoding !== null) out["content-encoding"] = encoding;
  else if (length !== null) out["content-length"] = length;
  const safe = safeContentType(type, hasBody);
  if (safe.type !== null) out["content-type"] = safe.type;
  if (!safe.inline) out["content-disposition"] = "attachment";
  for (const [name, value] of SAFETY_HEADERS) out[name] = value;
  out["cache-control"] = PROXY_CACHE_CONTROL;
  return out;
}

function setIfRewritten(out: HeaderRecord, name: string, value: string | null): void {
  if (value !== null) out[name] = value;
}
