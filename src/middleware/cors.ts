/**
 * CORS for frontends on other origins (FRONTEND_ORIGINS, same site: see README). Preflights are
 * answered here and never forwarded; only listed origins get CORS headers, with credentials.
 */
import type { MiddlewareHandler } from "hono";
import { BffError, errorResponse } from "../errors.ts";
import type { AppEnv } from "../types.ts";

const ALLOW_HEADERS =
  "accept, accept-language, content-type, idempotency-key, if-none-match, x-csrf, x-account";
const ALLOW_METHODS = "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS";
/** What a frontend must read: pagination and rate-limit state. */
const EXPOSE_HEADERS = "link, retry-after, x-ratelimit-limit, x-ratelimit-remaining, x-ratelimit-reset";

export function cors(): MiddlewareHandler<AppEnv> {
  return async function corsHandler(c, next) {
    const { deps } = c.var;
    const origin = c.req.header("origin");
    const listed = origin !== undefined && deps.config.frontendOrigins.has(origin);
    if (c.req.method === "OPTIONS" && c.req.header("access-control-request-method") !== undefined) {
      if (!listed) {
        return errorResponse(new BffError("forbidden_origin", "Requests from this origin are not allowed."));
      }
      return new Response(null, {
        status: 204,
        headers: {
          "access-control-allow-origin": origin,
          "access-control-allow-credentials": "true",
          "access-control-allow-methods": ALLOW_METHODS,
          "access-control-allow-headers": ALLOW_HEADERS,
          "access-control-max-age": "600",
          vary: "origin",
        },
      });
    }
    await next();
    if (listed) {
      const headers = c.res.headers;
      headers.set("access-control-allow-origin", origin);
      headers.set("access-control-allow-credentials", "true");
      headers.set("access-control-expose-headers", EXPOSE_HEADERS);
      headers.append("vary", "origin");
    }
  };
}
