/**
 * The browser's answer built from the instance's answer, one step shared by both proxies (the
 * authenticated API proxy and the public one): the instance's status, its head through the
 * allow-list with links rewritten (response-headers.ts), and its body streamed as it is. HEAD and
 * the null body statuses get no body; their upstream body, if any, is released at once.
 */
import { discard } from "../http/upstream.ts";
import type { LinkContext } from "./links.ts";
import { type HeaderRecord, proxiedHeaderRecord } from "./response-headers.ts";

/**
 * Statuses whose answer never has a body (Fetch: "null body status"); `new Response` throws on a
 * body with one of them.
 */
const NULL_BODY_STATUS = new Set([101, 103, 204, 205, 304]);

/**
 * The answer to send for `upstream`, which answered a `method` request. `own` holds the BFF's own
 * headers (security headers, a CORS grant); the proxied names are added to it, and win. The
 * Response is built once, with no header set afterwards.
 */
export function forwardedResponse(
  upstream: Response,
  method: string,
  links: LinkContext,
  own: HeaderRecord = {},
): Response {
  // Each property of a runtime Response is a call into the runtime: read them once.
  const { status, body } = upstream;
  const hasBody = method !== "HEAD" && !NULL_BODY_STATUS.has(status) && body !== null;
  if (!hasBody) void discard(upstream);
  const headers = proxiedHeaderRecord(upstream.headers, hasBody, links, own);
  return new Response(hasBody ? body : null, { status, headers });
}
