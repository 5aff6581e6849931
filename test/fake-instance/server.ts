import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { handleControl } from "./control.ts";
import { applyFault, takeFault } from "./faults.ts";
import { CONTROL_HOST, flavourOf, refusesChunkedBodies } from "./flavour.ts";
import { type Ctx, requestOrigin, send } from "./http.ts";
import { persistTo, saveIfChanged } from "./persist.ts";
import { dispatch } from "./routes.ts";
import { type Site, siteFor, unexpectedHosts } from "./state.ts";
import { closeWebSockets, refuse, streamWebSocket } from "./streaming.ts";

const MAX_LOGGED = 10_000;

type Target = { kind: "control"; url: URL } | { kind: "site"; site: Site; url: URL } | { kind: "refused" };

/** Which virtual host a request is for; unknown hosts are recorded and refused (fail closed). */
function target(req: IncomingMessage): Target {
  const origin = requestOrigin(req);
  const url = new URL(req.url ?? "/", origin ?? "http://invalid.invalid");
  const hostname = origin ? new URL(origin).hostname : "";
  if (hostname === CONTROL_HOST) return { kind: "control", url };
  const flavour = flavourOf(hostname);
  if (!origin || !flavour) {
    const host = origin ? new URL(origin).host : String(req.headers.host);
    if (!unexpectedHosts.includes(host)) unexpectedHosts.push(host);
    return { kind: "refused" };
  }
  return { kind: "site", site: siteFor(origin, flavour), url };
}

function logRequest(site: Site, req: IncomingMessage, url: URL): void {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    const text = Array.isArray(value) ? value.join(", ") : value;
    headers[name] =
      name === "authorization" ? (/^bearer /i.test(text) ? "Bearer <redacted>" : "present") : text;
  }
  const query = Object.fromEntries(url.searchParams);
  site.requests.push({ method: req.method ?? "GET", path: url.pathname, query, headers, at: Date.now() });
  // Bounded so a benchmark hammering one origin does not grow the log without limit.
  if (site.requests.length > MAX_LOGGED) site.requests.splice(0, site.requests.length - MAX_LOGGED);
}

/**
 * GoToSocial answers 418 to requests without a User-Agent. Requests that came through the outbound
 * router (x-fake-origin) carry undici's default agent when the caller sent none: that counts as none.
 */
function lacksUserAgent(req: IncomingMessage): boolean {
  const ua = req.headers["user-agent"];
  if (!ua) return true;
  return req.headers["x-fake-origin"] !== undefined && (ua === "undici" || ua === "node");
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const t = target(req);
  if (t.kind === "refused") return void req.socket.destroy();
  if (t.kind === "control") return handleControl(req, res, t.url);
  logRequest(t.site, req, t.url);
  const ctx: Ctx = { req, res, site: t.site, method: req.method ?? "GET", path: t.url.pathname, url: t.url };
  const fault = takeFault(t.site, ctx.method, ctx.path);
  if (fault && applyFault(ctx, fault)) return;
  if (refusesChunkedBodies(t.site.flavour) && req.headers["transfer-encoding"] !== undefined) {
    // snac waits for a Content-Length that never comes: the request is never answered.
    req.resume();
    return;
  }
  if (t.site.flavour === "gts" && lacksUserAgent(req)) {
    req.resume();
    return send(ctx, 418, "I'm a teapot", { "content-type": "text/plain; charset=utf-8" });
  }
  await dispatch(ctx);
  saveIfChanged(t.site);
}

/** Upgraded sockets leave the HTTP server's bookkeeping: tracked here so close() can end them. */
const upgradedSockets = new Set<Duplex>();

function upgrade(req: IncomingMessage, socket: Duplex, head: Buffer) {
  upgradedSockets.add(socket);
  socket.on("close", () => upgradedSockets.delete(socket));
  const t = target(req);
  if (t.kind !== "site") return void socket.destroy();
  logRequest(t.site, req, t.url);
  const fault = takeFault(t.site, "GET", t.url.pathname);
  if (fault?.kind === "hang") return;
  if (fault?.kind === "status" || fault?.kind === "rate_limit") {
    return refuse(socket, fault.status ?? (fault.kind === "rate_limit" ? 429 : 502), "Refused by fault");
  }
  if (fault) return void socket.destroy();
  streamWebSocket(t.site, req, socket, head);
}

/** Starts the fake Mastodon-API server (all flavours, virtual-hosted by origin) plus its control API. */
export async function startFakeServer(opts: {
  port: number;
  host?: string;
  /** A file that keeps apps and tokens across restarts, as a real server's database does. */
  stateFile?: string;
}): Promise<{ port: number; close: () => Promise<void> }> {
  if (opts.stateFile !== undefined) persistTo(opts.stateFile);
  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      // A client that went away mid-request (a test cutting a body short) is no failure of the fake.
      if (req.destroyed && (error as { code?: string }).code === "ECONNRESET") return;
      console.error("fake instance: handler failed", error);
      if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: "fake instance internal error" }));
    });
  });
  server.on("upgrade", upgrade);
  await new Promise<void>((resolve) => server.listen(opts.port, opts.host ?? "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  const close = (): Promise<void> =>
    new Promise<void>((resolve) => {
      closeWebSockets();
      server.close(() => resolve());
      server.closeAllConnections();
      for (const socket of upgradedSockets) socket.destroy();
    });
  return { port, close };
}
