/**
 * The streaming API. `EventSource` and `WebSocket` cannot send `X-CSRF` (issue 9, item 5), so a
 * streaming request proves it comes from the application by other means a foreign page cannot
 * forge: an allowed `Origin`, or — for EventSource only — `Sec-Fetch-Site: same-origin`, because
 * a same-origin GET carries no Origin header at all (Fetch §3.1 "append a request Origin header").
 * WebSocket handshakes always carry Origin, so only an allowed one opens a socket (cross-site
 * WebSocket hijacking is the attack). `Sec-Fetch-Site: cross-site` is refused in every case.
 */
import type { Deps } from "../context.ts";
import { BffError } from "../errors.ts";
import { assertNotCrossSite, CSRF_HEADER, isAllowedOrigin } from "../middleware/origin.ts";

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
export function assertStreamOrigin(kind: StreamKind, headers: Headers, deps: Deps): void {
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

/** `wss://streaming.example/` → `https://streaming.example/api/v1/streaming` + query (fetch speaks https). */
export function websocketUpstreamUrl(streamingBase: string, query: string): string {
  let base = streamingBase;
  if (base.startsWith("wss:")) base = `https:${base.slice(4)}`;
  else if (base.startsWith("ws:")) base = `http:${base.slice(3)}`;
  while (base.endsWith("/")) base = base.slice(0, -1);
  return `${base}${STREAMING_ROOT}${query}`;
}
