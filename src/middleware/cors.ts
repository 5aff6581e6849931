/**
 * CORS for frontends on other origins (FRONTEND_ORIGINS, same site: see docs/deploying.md). Preflights are
 * answered here and never forwarded; only listed origins get CORS headers, with credentials.
 * The proxy's fast path (proxy/entry.ts) applies the same rules through the exported functions.
 */
import { REVOKE_HEADER } from "../client/types.ts";
import type { Config } from "../config/config.ts";
import { BffError, errorResponse, OWN_ERROR_HEADER } from "../errors.ts";
import { FEDI_BFF_REQUEST_HEADERS } from "./origin.ts";

/**
 * The request headers a frontend may send (lower-case): the ones the Mastodon API reads, which the
 * proxy forwards (proxy/request-headers.ts derives its list from this one), and fedi-bff's own.
 */
export const FRONTEND_REQUEST_HEADERS = [
  "accept",
  "accept-language",
  "content-type",
  "idempotency-key",
  "if-none-match",
  "if-modified-since",
  "range",
  "if-range",
  ...FEDI_BFF_REQUEST_HEADERS,
] as const;
const ALLOW_HEADERS = FRONTEND_REQUEST_HEADERS.join(", ");
const ALLOW_METHODS = "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS";
/** What a frontend must read: pagination, rate-limit state, a failed revoke, and which errors are fedi-bff's own. */
const EXPOSE_HEADERS = `link, retry-after, x-ratelimit-limit, x-ratelimit-remaining, x-ratelimit-reset, ${REVOKE_HEADER}, ${OWN_ERROR_HEADER}`;

/** The origin to grant CORS to: the request's Origin when it is a listed frontend, else null. */
export function corsOrigin(headers: Headers, config: Pick<Config, "frontendOrigins">): string | null {
  const origin = headers.get("origin");
  return origin !== null && config.frontendOrigins.has(origin) ? origin : null;
}

/** A CORS preflight (never forwarded): `OPTIONS` with `Access-Control-Request-Method`. */
export function isPreflight(method: string, headers: Headers): boolean {
  return method === "OPTIONS" && headers.has("access-control-request-method");
}

/** The answer to a preflight: 204 with the grant for a listed origin, else 403 `forbidden_origin`. */
export function preflightResponse(origin: string | null): Response {
  if (origin === null) {
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

/** The grant for a listed origin, as headers for a new answer (which has no `Vary` of its own). */
export function corsGrant(origin: string): Record<string, string> {
  return {
    "access-control-allow-origin": origin,
    "access-control-allow-credentials": "true",
    "access-control-expose-headers": EXPOSE_HEADERS,
    vary: "origin",
  };
}

/** Grants a listed origin read access to an answer (mutable headers). */
export function applyCorsHeaders(headers: Headers, origin: string): void {
  headers.set("access-control-allow-origin", origin);
  headers.set("access-control-allow-credentials", "true");
  headers.set("access-control-expose-headers", EXPOSE_HEADERS);
  headers.append("vary", "origin");
}

/**
 * CORS around `next` (the routes): a preflight is answered here and goes no further; a listed
 * origin gets the grant on whatever `next` answers, errors and 404s included.
 */
export async function withCors(
  request: Request,
  config: Pick<Config, "frontendOrigins">,
  next: () => Promise<Response>,
): Promise<Response> {
  const origin = corsOrigin(request.headers, config);
  if (isPreflight(request.method, request.headers)) return preflightResponse(origin);
  const res = await next();
  if (origin !== null) applyCorsHeaders(res.headers, origin);
  return res;
}
