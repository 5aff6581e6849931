/**
 * `GET /instances/{host}/api/…` (with PUBLIC_PROXY=true): a fixed list of public read endpoints
 * of any allowed instance, fetched with that instance's app token, so a frontend can show public
 * content before login (some instances require a token even for these). No session is used;
 * `X-CSRF: 1` is still required so other sites cannot spend the app token's rate limit.
 */
import { type Deps, registrationRequest } from "../app/deps.ts";
import type { AppContext } from "../app/types.ts";
import { BffError } from "../errors.ts";
import { limitRegistrations } from "../http/rate-limit.ts";
import { discard } from "../http/upstream.ts";
import { type InstanceOrigin, parseInstance } from "../instance/host.ts";
import { assertInstanceAllowed } from "../instance/policy.ts";
import { assertCsrfHeader } from "../middleware/origin.ts";
import { fetchWithHeadTimeout, type HeadFetch } from "../proxy/fetch-head.ts";
import { forwardedResponse } from "../proxy/forward.ts";
import { type ProxyTarget, parseProxyTarget } from "../proxy/path.ts";
import { appTokenFor, hasAppToken } from "../registry/app-token.ts";

/**
 * An id segment. The accounts API also has fixed routes that would match an id pattern and need a
 * user (`accounts/verify_credentials`, `accounts/relationships`…): those are never an id here.
 */
const ID =
  "(?!(?:verify_credentials|update_credentials|relationships|familiar_followers|search|lookup|filters)(?:/|$))[0-9A-Za-z_-]{1,64}";
/** The public read endpoints served with an app token (GET/HEAD only). */
const PUBLIC_ENDPOINTS = new RegExp(
  [
    "/api/v1/instance(/(peers|activity|rules|extended_description|domain_blocks))?",
    "/api/v2/instance",
    "/api/v1/timelines/public",
    `/api/v1/timelines/tag/${ID}`,
    "/api/v1/accounts/lookup",
    `/api/v1/accounts/${ID}(/statuses)?`,
    `/api/v1/statuses/${ID}(/context)?`,
    "/api/v1/trends(/(statuses|tags|links))?",
    "/api/v1/custom_emojis",
    "/api/v1/directory",
    "/api/v1/apps/verify_credentials",
  ]
    .map((p) => `^${p}$`)
    .join("|"),
);
const PREFIXES = ["/api/v1/", "/api/v2/"];

export async function publicProxy(c: AppContext): Promise<Response> {
  const { deps, request } = c;
  if (!deps.config.publicProxy) throw new BffError("not_found", "No such route.");
  if (request.method !== "GET" && request.method !== "HEAD") {
    throw new BffError("method_not_allowed", "Public endpoints are read-only (GET).");
  }
  assertCsrfHeader(request.headers, deps);
  const { target, prefix, rest } = publicTarget(request.url, deps);
  const url = `${target.origin}${rest.path}${rest.query}`;
  // Asking the registrar may register an app on a host never seen: braked like a login start.
  if (!hasAppToken(registrationRequest(deps, target))) await limitRegistrations(request, deps);
  const upstream = await fetchWithAppToken(request.method, url, target, deps);
  // The security headers and any CORS grant are added by the app's middleware.
  return forwardedResponse(upstream, request.method, {
    base: url,
    instanceOrigin: target.origin,
    publicOrigin: `${deps.publicOrigin}${prefix}`,
    prefixes: PREFIXES,
  });
}

/** The instance (allowed by the operator's lists) and the public endpoint a request names. */
function publicTarget(
  url: string,
  deps: Deps,
): { target: InstanceOrigin; prefix: string; rest: ProxyTarget } {
  // Read from the raw URL: the host segment is checked exactly as sent (no decoding).
  const start = url.indexOf("/instances/") + "/instances/".length;
  const end = url.indexOf("/", start);
  const rawHost = url.slice(start, end);
  const target = parseInstance(rawHost, deps.policy);
  assertInstanceAllowed(target.host, { allow: deps.config.allowlist, deny: deps.config.denylist });
  const rest = parseProxyTarget(url.slice(end), PREFIXES);
  if (!PUBLIC_ENDPOINTS.test(rest.path)) throw new BffError("not_found", "This endpoint is not public.");
  return { target, prefix: `/instances/${rawHost}`, rest };
}

/** The instance's answer to `url`, asked with this deployment's app token on it. */
async function fetchWithAppToken(
  method: string,
  url: string,
  target: InstanceOrigin,
  deps: Deps,
): Promise<Response> {
  const req = registrationRequest(deps, target);
  const head: HeadFetch = {
    fetch: deps.upstream.fetch,
    timeoutMs: deps.upstream.timeoutMs,
    host: target.host,
  };
  const send = (token: string) =>
    fetchWithHeadTimeout(head, url, {
      method,
      headers: {
        accept: "application/json",
        authorization: `Bearer ${token}`,
        "user-agent": deps.upstream.userAgent,
      },
    });
  const token = await appTokenFor(deps.registry, req);
  const upstream = await send(token);
  if (upstream.status !== 401) return upstream;
  // The instance dropped the app token (expired, revoked): ask for a new one. The registrar
  // renews a token at most once per interval; the same token back means this endpoint is not
  // public on this instance, and its 401 is the answer.
  const renewed = await appTokenFor(deps.registry, req, token);
  if (renewed === token) return upstream;
  await discard(upstream);
  return send(renewed);
}
