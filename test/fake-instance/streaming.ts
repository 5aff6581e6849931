import type { IncomingMessage } from "node:http";
import { createRequire } from "node:module";
import type { Duplex } from "node:stream";
import type { WebSocketServer as WsServer } from "ws";
import { type Ctx, hasScope, sendJson } from "./http.ts";
import { statusJson } from "./seed.ts";
import { liveToken, type Site, type StreamSink, type Token } from "./state.ts";

const TICK_MS = 200;

function streamToken(site: Site, req: IncomingMessage, url: URL): Token | undefined {
  const header = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? "")?.[1];
  const token = liveToken(site, header ?? url.searchParams.get("access_token") ?? undefined);
  return token && hasScope(token, "read:statuses") ? token : undefined;
}

/** The status the fake "receives" on every tick. */
const updatePayload = (site: Site): string => {
  const top = site.statuses[0];
  return top ? JSON.stringify(statusJson(site, top)) : "{}";
};

/** Adds a sink to the site's subscribers; returns the function that removes it. */
function subscribe(site: Site, sink: StreamSink): () => void {
  site.streams.add(sink);
  return () => site.streams.delete(sink);
}

/** GET /api/v1/streaming/user and /api/v1/streaming/public: Server-Sent Events. */
export function streamSse(ctx: Ctx) {
  const token = streamToken(ctx.site, ctx.req, ctx.url);
  if (!token) return sendJson(ctx, 401, { error: "Invalid access token" });
  const res = ctx.res;
  res.writeHead(200, {
    "content-type": "text/event-stream",
    "cache-control": "no-store",
    "transfer-encoding": "chunked",
  });
  res.write(":)\n\n");
  const sink: StreamSink = (event, payload) => res.write(`event: ${event}\ndata: ${payload}\n\n`);
  const unsubscribe = subscribe(ctx.site, sink);
  const timer = setInterval(() => sink("update", updatePayload(ctx.site)), TICK_MS);
  const stop = (): void => {
    clearInterval(timer);
    unsubscribe();
  };
  ctx.req.on("close", stop);
  res.on("close", stop);
}

// Vite resolves a bare "ws" import to its browser stub in vitest's global setup; Node's require
// always loads the real server.
const { WebSocketServer } = createRequire(import.meta.url)("ws") as { WebSocketServer: typeof WsServer };
const wss = new WebSocketServer({ noServer: true });

/** Refuses a WebSocket upgrade with a plain HTTP answer. */
export function refuse(socket: Duplex, status: number, text: string) {
  const body = JSON.stringify({ error: text });
  socket.end(
    `HTTP/1.1 ${status} ${text}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}

/** The streams Mastodon's streaming server knows (`hashtag`/`list` take a `tag`/`list` too). */
const KNOWN_STREAMS = new Set([
  "user",
  "user:notification",
  "public",
  "public:local",
  "public:remote",
  "public:media",
  "public:local:media",
  "public:remote:media",
  "hashtag",
  "hashtag:local",
  "list",
  "direct",
]);

/** A stream as Mastodon names it in events: `["public"]`, `["hashtag", "cats"]`, `["list", "1"]`. */
function streamName(message: Record<string, unknown>): string[] | null {
  const stream = message.stream;
  if (typeof stream !== "string" || !KNOWN_STREAMS.has(stream)) return null;
  const extra = stream.startsWith("hashtag") ? message.tag : stream === "list" ? message.list : undefined;
  if (stream.startsWith("hashtag") || stream === "list")
    return typeof extra === "string" ? [stream, extra] : null;
  return [stream];
}

/**
 * Mastodon's WebSocket protocol (streaming server): the client sends
 * `{"type":"subscribe"|"unsubscribe","stream":…}` and gets each event once per subscribed stream,
 * named in `stream`; an unknown stream is answered `{"error":"Unknown stream type","status":400}`;
 * anything that is not such a message is ignored. Nothing is echoed.
 */
function onClientMessage(text: string, streams: Map<string, string[]>, send: (message: object) => void) {
  let message: unknown;
  try {
    message = JSON.parse(text);
  } catch {
    return;
  }
  if (typeof message !== "object" || message === null) return;
  const { type } = message as { type?: unknown };
  if (type !== "subscribe" && type !== "unsubscribe") return;
  const name = streamName(message as Record<string, unknown>);
  if (name === null) return send({ error: "Unknown stream type", status: 400 });
  if (type === "subscribe") streams.set(name.join(":"), name);
  else streams.delete(name.join(":"));
}

/** WebSocket upgrade on /api/v1/streaming: an update on connect, then the subscribed streams' events. */
export function streamWebSocket(site: Site, req: IncomingMessage, socket: Duplex, head: Buffer) {
  const url = new URL(req.url ?? "/", site.origin);
  if (url.pathname.replace(/\/$/, "") !== "/api/v1/streaming" || site.flavour === "misskey") {
    return refuse(socket, 404, "Not Found");
  }
  const token = streamToken(site, req, url);
  if (!token) return refuse(socket, 401, "Unauthorized");
  const first = streamName({
    ...Object.fromEntries(url.searchParams),
    stream: url.searchParams.get("stream") ?? "user",
  });
  if (first === null) return refuse(socket, 400, "Unknown stream type");
  const streams = new Map([[first.join(":"), first]]);
  wss.handleUpgrade(req, socket, head, (ws) => {
    const send = (message: object) => ws.send(JSON.stringify(message));
    const sink: StreamSink = (event, payload) => {
      for (const stream of streams.values()) send({ stream, event, payload });
    };
    const unsubscribe = subscribe(site, sink);
    ws.on("close", unsubscribe);
    ws.on("error", unsubscribe);
    ws.on("message", (data, isBinary) => {
      if (!isBinary) onClientMessage(data.toString(), streams, send);
    });
    sink("update", updatePayload(site));
  });
}

/** Closes every open WebSocket (server shutdown). */
export function closeWebSockets() {
  for (const client of wss.clients) client.terminate();
}
