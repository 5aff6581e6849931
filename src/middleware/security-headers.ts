/**
 * Headers on every response: no MIME sniffing, no Referer leaking callback URLs, no framing
 * (`X-Frame-Options` and CSP `frame-ancestors 'none'` on every answer fedi-bff builds: JSON,
 * redirects, errors), HSTS outside development, and `Cache-Control: no-store` on /auth (per-user
 * answers must never sit in a shared cache).
 */

/** `SECURITY_HEADERS` as a fresh record, for building a Response head in one go (a literal: V8 makes it fast). */
export function securityHeaderRecord(): Record<string, string> {
  return { "x-content-type-options": "nosniff", "referrer-policy": "no-referrer", "x-frame-options": "DENY" };
}

/** Set on every answer except a WebSocket upgrade (101), whose headers the runtime owns. */
export const SECURITY_HEADERS: readonly (readonly [string, string])[] = Object.entries(
  securityHeaderRecord(),
);

/** A policy for answers that render nothing; a page fedi-bff builds (the confirmation) sets its own. */
const FRAME_POLICY = "frame-ancestors 'none'";

/** Two years, the preload list's minimum; no includeSubDomains: the BFF may live beside other hosts. */
export const HSTS = "max-age=63072000";

/** Adds `SECURITY_HEADERS` (and, with `hsts`, Strict-Transport-Security) to a response; a 101 is left alone. */
export function applySecurityHeaders(res: Response, hsts = false): void {
  if (res.status === 101) return;
  for (const [name, value] of SECURITY_HEADERS) res.headers.set(name, value);
  if (!res.headers.has("content-security-policy")) res.headers.set("content-security-policy", FRAME_POLICY);
  if (hsts) res.headers.set("strict-transport-security", HSTS);
}

/**
 * The router's last step on each of its answers (`path`: the raw request path): the headers, and
 * `no-store` on /auth. `hsts`: this deployment is served over HTTPS (not development).
 */
export function secureAnswer(res: Response, path: string, hsts: boolean): Response {
  applySecurityHeaders(res, hsts);
  if (res.status !== 101 && path.startsWith("/auth/")) res.headers.set("cache-control", "no-store");
  return res;
}
