/**
 * Headers on every response: no MIME sniffing, no Referer leaking callback URLs, no framing, and
 * `Cache-Control: no-store` on /auth (per-user answers must never sit in a shared cache).
 */
import type { MiddlewareHandler } from "hono";

/** `SECURITY_HEADERS` as a fresh record, for building a Response head in one go (a literal: V8 makes it fast). */
export function securityHeaderRecord(): Record<string, string> {
  return { "x-content-type-options": "nosniff", "referrer-policy": "no-referrer", "x-frame-options": "DENY" };
}

/** Set on every answer except a WebSocket upgrade (101), whose headers the runtime owns. */
export const SECURITY_HEADERS: readonly (readonly [string, string])[] = Object.entries(
  securityHeaderRecord(),
);

/** Adds `SECURITY_HEADERS` to a response's (mutable) headers; a 101 is left alone. */
export function applySecurityHeaders(res: Response): void {
  if (res.status === 101) return;
  for (const [name, value] of SECURITY_HEADERS) res.headers.set(name, value);
}

export function securityHeaders(): MiddlewareHandler {
  return async function securityHeadersHandler(c, next) {
    await next();
    applySecurityHeaders(c.res);
    if (c.res.status !== 101 && c.req.path.startsWith("/auth/"))
      c.res.headers.set("cache-control", "no-store");
  };
}
