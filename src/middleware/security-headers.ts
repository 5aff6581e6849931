/**
 * Headers on every response: no MIME sniffing, no Referer leaking callback URLs, no framing, and
 * `Cache-Control: no-store` on /auth (per-user answers must never sit in a shared cache).
 */
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../types.ts";

export function securityHeaders(): MiddlewareHandler<AppEnv> {
  return async function securityHeadersHandler(c, next) {
    await next();
    if (c.res.status === 101) return;
    const headers = c.res.headers;
    headers.set("x-content-type-options", "nosniff");
    headers.set("referrer-policy", "no-referrer");
    headers.set("x-frame-options", "DENY");
    if (c.req.path.startsWith("/auth/")) headers.set("cache-control", "no-store");
  };
}
