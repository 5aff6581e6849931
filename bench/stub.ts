/**
 * The benchmark's upstream: a Node http server that answers like a Mastodon instance on the paths
 * the benchmark drives, plus a KV service that speaks workerd's KV binding protocol and counts every
 * operation. Run as its own process (`node bench/stub.ts`); it prints its ports as one JSON line.
 *
 *   GET  /api/v1/timelines/home  ~20 KB JSON page with a Link header (rewritten by the proxy)
 *   POST /api/v1/statuses        reads the body, answers one status
 *   POST /api/v2/media           the large-body endpoint: counts bytes, records first/last byte time
 *   POST /api/v1/apps            app registration (the login benchmark's first, uncached login)
 *   GET  /__bench/stats          request counts and the last upload's timing (harness only)
 *   GET  /__bench/hang?count&ms  the next `count` timeline requests wait `ms` before their answer
 *                                (harness only: how `npm run bench -- --inject-timeout` makes the
 *                                load generator time out)
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { status, timelinePage } from "./lib/fixtures.ts";

/** Epoch milliseconds with sub-millisecond precision, comparable across processes. */
const now = () => performance.timeOrigin + performance.now();

interface UploadRecord {
  bytes: number;
  firstByteAt: number;
  lastByteAt: number;
}

const counts = new Map<string, number>();
const hang = { count: 0, ms: 0 };
let lastUpload: UploadRecord | null = null;

function count(key: string): void {
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

function json(res: ServerResponse, code: number, body: string, extra: Record<string, string> = {}): void {
  res.writeHead(code, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(body),
    ...extra,
  });
  res.end(body);
}

function drain(req: IncomingMessage, onDone: (bytes: number) => void): void {
  let bytes = 0;
  req.on("data", (chunk: Buffer) => {
    bytes += chunk.length;
  });
  req.on("end", () => onDone(bytes));
}

function upstream(origin: () => string): (req: IncomingMessage, res: ServerResponse) => void {
  let page: { body: string; link: string } | null = null;
  const posted = JSON.stringify(status(1, "http://127.0.0.1"));
  return function handle(req, res) {
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    count(`${req.method} ${path}`);
    if (req.method === "GET" && path === "/api/v1/timelines/home") {
      page ??= timelinePage(origin());
      const answer = page;
      if (hang.count > 0) {
        hang.count--;
        setTimeout(() => json(res, 200, answer.body, { link: answer.link }), hang.ms);
        return;
      }
      return json(res, 200, page.body, {
        link: page.link,
        "x-ratelimit-limit": "300",
        "x-ratelimit-remaining": "299",
        "x-ratelimit-reset": "2026-11-23T12:00:00.000Z",
      });
    }
    if (req.method === "POST" && path === "/api/v1/statuses") {
      return drain(req, () => json(res, 200, posted));
    }
    if (req.method === "POST" && path === "/api/v2/media") {
      const record: UploadRecord = { bytes: 0, firstByteAt: 0, lastByteAt: 0 };
      req.on("data", (chunk: Buffer) => {
        if (record.bytes === 0) record.firstByteAt = now();
        record.bytes += chunk.length;
      });
      req.on("end", () => {
        record.lastByteAt = now();
        lastUpload = record;
        json(res, 202, JSON.stringify({ id: "1", type: "unknown", bytes: record.bytes }));
      });
      return;
    }
    if (req.method === "POST" && path === "/api/v1/apps") {
      return drain(req, () =>
        json(
          res,
          200,
          JSON.stringify({ client_id: "bench-client-id", client_secret: "bench-client-secret" }),
        ),
      );
    }
    if (req.method === "GET" && path === "/__bench/hang") {
      const query = new URL(req.url ?? "/", "http://stub").searchParams;
      hang.count = Number(query.get("count") ?? 0);
      hang.ms = Number(query.get("ms") ?? 0);
      return json(res, 200, JSON.stringify(hang));
    }
    if (req.method === "GET" && path === "/__bench/stats") {
      return json(res, 200, JSON.stringify({ counts: Object.fromEntries(counts), lastUpload }));
    }
    drain(req, () => json(res, 404, JSON.stringify({ error: "Record not found" })));
  };
}

/**
 * workerd's KV binding sends `GET|PUT|DELETE https://fake-host/<encoded key>?urlencoded=true` (and a
 * list as `GET /?prefix=`) to the service it is bound to. Every operation is counted by kind.
 */
function kv(): (req: IncomingMessage, res: ServerResponse) => void {
  const store = new Map<string, Buffer>();
  const ops = { get: 0, put: 0, delete: 0, list: 0 };
  return function handleKv(req, res) {
    const url = new URL(req.url ?? "/", "http://kv");
    if (url.pathname === "/__bench/ops") return json(res, 200, JSON.stringify(ops));
    const key = decodeURIComponent(url.pathname.slice(1));
    if (req.method === "GET" && key === "") {
      ops.list++;
      const keys = [...store.keys()].filter((k) => k.startsWith(url.searchParams.get("prefix") ?? ""));
      return json(res, 200, JSON.stringify({ keys: keys.map((name) => ({ name })), list_complete: true }));
    }
    if (req.method === "GET") {
      ops.get++;
      const value = store.get(key);
      if (value === undefined) return json(res, 404, "");
      res.writeHead(200, { "content-type": "application/octet-stream", "content-length": value.length });
      return void res.end(value);
    }
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      if (req.method === "PUT") {
        ops.put++;
        store.set(key, Buffer.concat(chunks));
      } else if (req.method === "DELETE") {
        ops.delete++;
        store.delete(key);
      }
      json(res, 200, "{}");
    });
  };
}

function listen(server: Server): Promise<number> {
  server.keepAliveTimeout = 60_000;
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port));
  });
}

let upstreamPort = 0;
const upstreamServer = createServer(upstream(() => `http://127.0.0.1:${upstreamPort}`));
upstreamPort = await listen(upstreamServer);
const kvPort = await listen(createServer(kv()));
process.stdout.write(`${JSON.stringify({ upstreamPort, kvPort })}\n`);
// The harness owns this process: it ends when the harness closes stdin (or dies).
process.stdin.resume();
process.stdin.on("end", () => process.exit(0));
