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
/** fedi-bff's own request headers: read here, never forwarded to an instance. */
export const FEDI_BFF_REQUEST_HEADERS = [CSRF_HEADER, "x-account"] as const;

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
 * Starting a login (login CSRF, draft-ietf-oauth-browser-based-apps §9.3 / OWASP ASVS 10.2.2): a
 * login adds an account to the session and makes it active, so only a person or the app itself may
 * start one. It starts at once only when the app asked: `X-CSRF: 1` (the browser client; a foreign
 * page cannot send it without a preflight fedi-bff never grants), or a POST whose Origin is allowed
 * (a form on the app, the confirmation page). A top-level navigation — a link, typed, bookmarked,
 * from the app's own page or from a post an instance serves — gets the confirmation page: a link
 * inside content passes every same-origin check. Anything else (an `<img>`, a script, a frame, a
 * fetch without `X-CSRF`, a client with no Fetch Metadata that is not navigating) starts nothing.
 */
export function loginStart(method: string, headers: Headers, deps: OriginDeps): LoginStart {
  assertNotCrossSite(headers, deps);
  const dest = headers.get("sec-fetch-dest");
  const navigating = dest === null ? acceptsHtml(headers) : dest === "document";
  if (headers.get(CSRF_HEADER) === "1" && !navigating) return "start";
  if (method === "POST") {
    // A browser never sends a form POST without Origin; an allowed one is the app (or our page).
    if (headers.get("origin") !== null) return "start";
    throw new BffError("forbidden_origin", "A login must be started from the application itself.");
  }
  if (navigating && (headers.get("sec-fetch-mode") ?? "navigate") === "navigate") return "confirm";
  throw new BffError(
    "csrf_required",
    "A login starts from the application (the browser client, or a form POST) or after you confirm it.",
    { internal: `login start as ${dest ?? "no fetch metadata"}` },
  );
}

/** A navigation asks for HTML; browsers without Fetch Metadata (Safari before 16.4) say no more. */
function acceptsHtml(headers: Headers): boolean {
  return (headers.get("accept") ?? "").includes("text/html");
}
