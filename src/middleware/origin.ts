/**
 * Cross-site request checks. A browser request that changes state must come from the BFF's own
 * origin or a configured frontend origin: a foreign `Origin` or `Sec-Fetch-Site: cross-site` is
 * refused outright, and the API additionally needs `X-CSRF: 1` — a custom header a foreign page
 * can only send after a CORS preflight, which fedi-bff never grants it.
 */
import type { Config } from "../config/config.ts";
import { BffError } from "../errors.ts";

/** What the origin checks read: the BFF's own origin and the configured frontend origins. */
export interface OriginDeps {
  readonly publicOrigin: string;
  readonly config: Pick<Config, "frontendOrigins">;
}

export const CSRF_HEADER = "x-csrf";

export function isAllowedOrigin(origin: string, deps: OriginDeps): boolean {
  return origin === deps.publicOrigin || deps.config.frontendOrigins.has(origin);
}

/** Refuses a foreign Origin (incl. "null") and Sec-Fetch-Site: cross-site. */
export function assertNotCrossSite(headers: Headers, deps: OriginDeps): void {
  const origin = headers.get("origin");
  if (origin !== null && !isAllowedOrigin(origin, deps)) {
    throw new BffError("forbidden_origin", "Requests from this origin are not allowed.", {
      internal: `origin ${origin.slice(0, 100)}`,
    });
  }
  if (headers.get("sec-fetch-site") === "cross-site") {
    throw new BffError("forbidden_origin", "Cross-site requests are not allowed.");
  }
}

/** The API rule: not cross-site, and `X-CSRF: 1`. */
export function assertCsrfHeader(headers: Headers, deps: OriginDeps): void {
  assertNotCrossSite(headers, deps);
  if (headers.get(CSRF_HEADER) !== "1") {
    throw new BffError("csrf_required", "Send the header `X-CSRF: 1` with every API request.");
  }
}

/** State-changing /auth routes: `X-CSRF: 1`, or an allowed Origin, or a same-origin fetch. */
export function assertSameOriginAction(headers: Headers, deps: OriginDeps): void {
  assertNotCrossSite(headers, deps);
  if (headers.get(CSRF_HEADER) === "1" || headers.get("origin") !== null) return;
  if (headers.get("sec-fetch-site") === "same-origin") return;
  throw new BffError("csrf_required", "Send the header `X-CSRF: 1` (or call from an allowed origin).");
}

/** How a login start may proceed: at once, or only after the user confirms on our own page. */
export type LoginStart = "start" | "confirm";

/**
 * Starting a login (login CSRF: a foreign page must not sign the victim in, nor add an account to
 * their session). It starts at once when the app itself asked: `X-CSRF: 1`, an allowed Origin, a
 * same-origin fetch, or a same-site frontend whose Referer is an allowed origin. A request nothing
 * on our origin started — `Sec-Fetch-Site: none` (typed, bookmarked, or a link opened from mail or
 * chat), or a browser navigation without Fetch Metadata — needs the user's confirmation first.
 * Clients that are neither (curl) are not browsers and cannot be victims.
 */
export function loginStart(headers: Headers, deps: OriginDeps): LoginStart {
  assertNotCrossSite(headers, deps);
  if (headers.get(CSRF_HEADER) === "1" || headers.get("origin") !== null) return "start";
  const site = headers.get("sec-fetch-site");
  if (site === "same-origin") return "start";
  if (site === "none") return "confirm";
  if (site === null) return isNavigation(headers) ? "confirm" : "start";
  if (site === "same-site" && isAllowedOrigin(refererOrigin(headers) ?? "", deps)) return "start";
  throw new BffError("forbidden_origin", "A login must be started from the application itself.");
}

/**
 * A browser without Fetch Metadata (Safari before 16.4) still asks for HTML when it navigates, and
 * sends no Origin on a GET: a link from another site looks exactly like this.
 */
function isNavigation(headers: Headers): boolean {
  return (headers.get("accept") ?? "").includes("text/html");
}

function refererOrigin(headers: Headers): string | null {
  const referer = headers.get("referer");
  if (referer === null) return null;
  try {
    return new URL(referer).origin;
  } catch {
    return null;
  }
}
