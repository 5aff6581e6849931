/**
 * The Worker's entry for `/api/*`. A proxied call is the BFF's hot path, so it skips the router
 * and the generic middleware chain and does their work here, in one place and in the same order:
 * the proxy's own narrow deps (proxy/deps.ts, a per-isolate map lookup), the CORS preflight and grant for FRONTEND_ORIGINS
 * (middleware/cors.ts), the proxy, errors as JSON (middleware/errors.ts), and the security headers
 * (middleware/security-headers.ts) on every answer, errors included. The router (app/handler.ts)
 * calls this too, for `/api` itself.
 */
import type { Env } from "../config/env.ts";
import {
  applyCorsHeaders,
  corsGrant,
  corsOrigin,
  isPreflight,
  preflightResponse,
} from "../middleware/cors.ts";
import { errorToResponse } from "../middleware/errors.ts";
import { applySecurityHeaders } from "../middleware/security-headers.ts";
import { rawPath } from "../paths.ts";
import { getProxyDeps, type ProxyDeps } from "./deps.ts";
import { proxy } from "./proxy.ts";
import type { RenewToken } from "./renewal.ts";

const API_ROOT = "/api/";

/** True when the raw request target is under `/api/` (the router sends `/api` itself here too). */
export function isApiRequest(url: string): boolean {
  const scheme = url.indexOf("://");
  const start = url.indexOf("/", scheme < 0 ? 0 : scheme + 3);
  return start >= 0 && url.startsWith(API_ROOT, start);
}

/**
 * Answers one `/api/*` request: every failure becomes a JSON error here, nothing is thrown.
 * `renew` renews tokens that end (proxy/renewal.ts); the app injects it (it reaches storage).
 * `fromRuntime`: the request is the runtime's own, as the Worker received it (request-body.ts).
 */
export async function serveApi(
  request: Request,
  env: Env,
  renew?: RenewToken,
  fromRuntime = false,
): Promise<Response> {
  let deps: ProxyDeps;
  try {
    deps = await getProxyDeps(env, request.url);
  } catch (error) {
    return finish(request, failure(error, request));
  }
  const origin = corsOrigin(request.headers, deps.config);
  if (isPreflight(request.method, request.headers)) return finish(request, preflightResponse(origin));
  try {
    // The proxy's own answers carry the security headers and the CORS grant already.
    return await proxy(request, deps, origin === null ? null : corsGrant(origin), env, renew, fromRuntime);
  } catch (error) {
    const res = failure(error, request);
    if (origin !== null) applyCorsHeaders(res.headers, origin);
    return finish(request, res);
  }
}

/** Any failure becomes a JSON answer (middleware/errors.ts): nothing reaches the runtime. */
function failure(error: unknown, request: Request): Response {
  return errorToResponse(error, rawPath(request.url));
}

/** Security headers on an answer the proxy did not build; HEAD answered without a body (RFC 9110 §9.3.2). */
function finish(request: Request, res: Response): Response {
  applySecurityHeaders(res);
  return request.method === "HEAD" && res.body !== null ? new Response(null, res) : res;
}
