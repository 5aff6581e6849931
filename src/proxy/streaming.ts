/**
 * The streaming API. `EventSource` and `WebSocket` cannot send `X-CSRF`, so a
 * streaming request proves it comes from the application by other means a foreign page cannot
 * forge: an allowed `Origin`, or — for EventSource only — `Sec-Fetch-Site: same-origin`, because
 * a same-origin GET carries no Origin header at all (Fetch §3.1 "append a request Origin header").
 * WebSocket handshakes always carry Origin, so only an allowed one opens a socket (cross-site
 * WebSocket hijacking is the attack). `Sec-Fetch-Site: cross-site` is refused in every case.
 */

import { BffError } from "../errors.ts";
import { discard } from "../http/upstream.ts";
import type { HostPolicy } from "../instance/host.ts";
import { checkContactedUrl } from "../instance/policy.ts";
import { streamingOrigin } from "../instance/streaming.ts";
import { assertNotCrossSite, CSRF_HEADER, isAllowedOrigin } from "../middleware/origin.ts";
import type { ProxyDeps } from "./deps.ts";

export type StreamKind = "websocket" | "eventsource";

const STREAMING_ROOT = "/api/v1/streaming";
const WEBSOCKET_PATHS = new Set([STREAMING_ROOT, `${STREAMING_ROOT}/`]);
const EVENT_STREAM = /\btext\/event-stream\b/i;

/** A browser stream request (no custom headers possible), or null for an ordinary API call. */
export function streamKind(method: string, path: string, headers: Headers): StreamKind | null {
  if (method !== "GET" || !path.startsWith(STREAMING_ROOT)) return null;
  if (path.length > STREAMING_ROOT.length && path.charCodeAt(STREAMING_ROOT.length) !== 0x2f) return null;
  if (headers.get("upgrade")?.toLowerCase() === "websocket") {
    if (!WEBSOCKET_PATHS.has(path)) {
      throw new BffError("invalid_request", `WebSocket connections are proxied at ${STREAMING_ROOT} only.`);
    }
    return "websocket";
  }
  return EVENT_STREAM.test(headers.get("accept") ?? "") ? "eventsource" : null;
}

/** The origin rule for stream requests (403 `forbidden_origin`). */
export function assertStreamOrigin(kind: StreamKind, headers: Headers, deps: ProxyDeps): void {
  assertNotCrossSite(headers, deps);
  const origin = headers.get("origin");
  if (origin !== null && isAllowedOrigin(origin, deps)) return;
  if (kind === "eventsource") {
    if (headers.get(CSRF_HEADER) === "1") return;
    if (origin === null && headers.get("sec-fetch-site") === "same-origin") return;
  }
  throw new BffError(
    "forbidden_origin",
    "Streaming connections must come from the application's own origin.",
    {
      internal: `${kind} without an allowed Origin`,
    },
  );
}

/**
 * The upstream URL of a WebSocket: only the scheme, host and port of the instance's streaming
 * server, with the path built here (`wss:` → `https:`: fetch speaks http). Sessions made before
 * this rule may hold a streaming URL with a path; it is dropped as well. The host passes the SSRF
 * check and the operator's lists again: it receives the user's token (403 `instance_not_allowed`).
 */
export function websocketUpstreamUrl(
  account: { readonly streaming: string; readonly origin: string },
  query: string,
  policy: HostPolicy,
): string {
  const checked = checkContactedUrl(account.streaming, policy, { schemes: ["wss:", "https:"] });
  const origin = streamingOrigin(checked, account.origin);
  return `${origin.startsWith("wss:") ? "https:" : "http:"}${origin.slice(origin.indexOf("//"))}${STREAMING_ROOT}${query}`;
}

/**
 * A handshake the streaming server did not accept (other than 401): no upstream status or body is
 * relayed, so the upgrade path cannot serve as a GET relay through the BFF.
 */
export function failedUpgrade(upstream: Response, host: string): BffError {
  // Not awaited: a refused handshake's body may only end when the server closes the connection.
  void discard(upstream);
  return new BffError(
    "invalid_upstream_response",
    `The streaming server of ${host} did not accept the connection.`,
    { internal: `websocket upgrade answered ${upstream.status}` },
  );
}
