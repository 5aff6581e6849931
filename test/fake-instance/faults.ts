import { type Ctx, redirect, send, sendHtml } from "./http.ts";
import type { Fault, Site } from "./state.ts";

const HUGE_BYTES = 10 * 1024 * 1024;
const HTML = "<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>";

const matches = (f: Fault, method: string, path: string): boolean =>
  (!f.method || f.method.toUpperCase() === method) &&
  (f.path.endsWith("*") ? path.startsWith(f.path.slice(0, -1)) : f.path === path);

/** The first armed fault for this request, counting one use of it (drop_once: its only use). */
export function takeFault(site: Site, method: string, path: string): Fault | undefined {
  const fault = site.faults.find((f) => f.times > 0 && matches(f, method, path));
  if (fault) fault.times = fault.kind === "drop_once" ? 0 : fault.times - 1;
  return fault;
}

async function streamHuge(ctx: Ctx): Promise<void> {
  const res = ctx.res;
  res.writeHead(200, { "content-type": "application/json; charset=utf-8" });
  const chunk = Buffer.alloc(64 * 1024, "a");
  res.write('{"padding":"');
  for (let sent = 0; sent < HUGE_BYTES && !res.destroyed; sent += chunk.length) {
    if (!res.write(chunk)) await new Promise((r) => res.once("drain", r).once("close", r));
  }
  res.end('"}');
}

/**
 * Answers the request according to the fault. Returns false for faults that only alter the normal
 * answer (drop_field, truncated_json): the handler runs with ctx.fault set.
 */
export function applyFault(ctx: Ctx, fault: Fault): boolean {
  if (fault.kind === "drop_field" || fault.kind === "truncated_json") {
    ctx.fault = fault;
    return false;
  }
  if (fault.kind === "drop_once") {
    // A keep-alive connection the server closed while idle: the request is lost before any
    // byte of it is read or answered, and the next connection works.
    ctx.req.socket.destroy();
    return true;
  }
  ctx.req.resume();
  switch (fault.kind) {
    case "hang":
      return true;
    case "reset":
      ctx.req.socket.destroy();
      return true;
    case "status": {
      const body = fault.body === undefined ? HTML : fault.body;
      const isText = typeof body === "string";
      const type = isText ? "text/html; charset=utf-8" : "application/json; charset=utf-8";
      send(ctx, fault.status ?? 502, isText ? body : JSON.stringify(body), {
        "content-type": type,
        ...fault.headers,
      });
      return true;
    }
    case "html200":
      sendHtml(ctx, 200, "<!doctype html><html><body><h1>Welcome to nginx!</h1></body></html>");
      return true;
    case "huge_json":
      void streamHuge(ctx);
      return true;
    case "rate_limit":
      send(ctx, 429, JSON.stringify({ error: "Too many requests" }), {
        "content-type": "application/json; charset=utf-8",
        "retry-after": "120",
        "x-ratelimit-limit": "300",
        "x-ratelimit-remaining": "0",
        ...fault.headers,
      });
      return true;
    case "redirect":
      redirect(ctx, 302, fault.location ?? "/", fault.headers);
      return true;
    default:
      return false;
  }
}
