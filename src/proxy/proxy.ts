/**
 * `ANY /api/*`: the authenticated API proxy (docs/proxy.md). The upstream is the signed-in
 * account's instance — from the sealed session only, never from the request — and the path is the
 * request's own, checked raw (proxy/path.ts). The browser proves intent with `X-CSRF: 1`, or for
 * EventSource/WebSocket with its Origin (proxy/streaming.ts). Bodies stream both ways; only the
 * response head has a timeout. No storage is touched on this path (a KV read or Durable Object call
 * per request would cost latency and money): the session is the cookie, opened once per isolate.
 */
import type { Env } from "../config/env.ts";
import { BffError } from "../errors.ts";
import { discard } from "../http/upstream.ts";
import { assertCsrfHeader } from "../middleware/origin.ts";
import { securityHeaderRecord } from "../middleware/security-headers.ts";
import { findAccount } from "../session/accounts.ts";
import { instanceExcluded } from "../session/drop.ts";
import type { Session, SessionAccount } from "../session/session.ts";
import { readSession } from "../session/store.ts";
import { isTokenDead, maySignalDeadToken } from "./dead-token.ts";
import type { ProxyDeps } from "./deps.ts";
import { fetchWithHeadTimeout, type HeadFetch } from "./fetch-head.ts";
import { forwardedResponse } from "./forward.ts";
import { parseProxyTarget } from "./path.ts";
import { type RenewToken, usableAccount } from "./renewal.ts";
import { forwardedBody } from "./request-body.ts";
import { upstreamHeaderRecord } from "./request-headers.ts";
import type { HeaderRecord } from "./response-headers.ts";
import { sessionRevoked } from "./revoked.ts";
import { assertStreamOrigin, failedUpgrade, streamKind, websocketUpstreamUrl } from "./streaming.ts";

/**
 * Proxies one `/api/*` request. `cors` is the CORS grant for a listed frontend (or null), added to
 * every answer; errors are thrown, and answered by the caller (entry.ts). `fromRuntime`: the
 * request is the one the runtime handed to the Worker, body untouched (request-body.ts).
 */
export async function proxy(
  request: Request,
  deps: ProxyDeps,
  cors: HeaderRecord | null,
  env?: Env,
  renew?: RenewToken,
  fromRuntime = false,
): Promise<Response> {
  const { headers, method } = request;
  const target = parseProxyTarget(request.url, deps.config.proxyPrefixes);
  const kind = streamKind(method, target.path, headers);
  if (kind === null) assertCsrfHeader(headers, deps);
  else assertStreamOrigin(kind, headers, deps);
  const session = await readSession(headers.get("cookie"), deps.ring);
  if (session === null) throw new BffError("not_authenticated", "Sign in first: the API needs a session.");
  const index = accountIndex(session, headers.get("x-account"));
  let account = session.accounts[index] as SessionAccount;
  // The lists apply to sessions made before them (in memory: a constant or a map lookup).
  if (deps.excluded(account.instance)) {
    throw await instanceExcluded(session, (_, i) => i === index, deps.ring, account.instance);
  }
  let own = cors;
  // Only tokens that end take this path (renewal.ts): the others cost one property read.
  if (account.tokenEnd !== undefined && env !== undefined) {
    const usable = await usableAccount(session, index, deps, env, request, renew);
    account = usable.account;
    if (usable.cookie !== null) own = { ...cors, "set-cookie": usable.cookie };
  }
  const head: HeadFetch = {
    fetch: deps.upstream.fetch,
    timeoutMs: deps.upstream.timeoutMs,
    host: account.instance,
  };
  const upstreamHeaders = upstreamHeaderRecord(headers, account.token, deps.upstream.userAgent);
  let url: string;
  let upstream: Response;
  if (kind === "websocket") {
    url = websocketUpstreamUrl(account, target.query, deps.policy);
    upstream = await upgrade(head, url, upstreamHeaders);
    // Returned as it is, wrapped only to drop the instance's headers (`init.webSocket` keeps the socket).
    if (upstream.webSocket !== null) {
      return new Response(null, { status: 101, webSocket: upstream.webSocket, headers: own ?? {} });
    }
  } else {
    url = `${account.origin}${target.path}${target.query}`;
    const safe = method === "GET" || method === "HEAD";
    const body = safe ? null : await forwardedBody(request, fromRuntime);
    upstream = await fetchWithHeadTimeout(head, url, { method, headers: upstreamHeaders, body }, safe);
  }
  const status = upstream.status;
  if (status >= 300 && (status === 401 || (await refusedAsDead(upstream, status, account, head, deps)))) {
    await discard(upstream);
    throw await sessionRevoked(session, index, deps);
  }
  return proxiedResponse(upstream, method, url, account, deps, own);
}

/** A 403 / 422 / 500 / redirect to the sign-in page that a check of the token proves dead (dead-token.ts). */
function refusedAsDead(
  upstream: Response,
  status: number,
  account: SessionAccount,
  head: HeadFetch,
  deps: ProxyDeps,
): boolean | Promise<boolean> {
  if (!maySignalDeadToken(status, status < 400 ? upstream.headers.get("location") : null)) return false;
  return isTokenDead(account, head, deps);
}

/**
 * The WebSocket handshake with the streaming server: its accepted upgrade (101 with a socket), or
 * its 401 (the token was refused); any other answer is thrown as `failedUpgrade`.
 */
async function upgrade(head: HeadFetch, url: string, headers: HeaderRecord): Promise<Response> {
  headers.upgrade = "websocket";
  const upstream = await fetchWithHeadTimeout(head, url, { headers });
  const accepted = upstream.status === 101 && upstream.webSocket !== null;
  if (!accepted && upstream.status !== 401) throw failedUpgrade(upstream, head.host);
  return upstream;
}

/** The account named by `X-Account: <id>@<instance>`, else the active one. */
function accountIndex(session: Session, named: string | null): number {
  if (named === null) return session.active;
  const index = findAccount(session, named.trim());
  if (index < 0) {
    throw new BffError(
      "invalid_account",
      "X-Account names no account of this session (expected <id>@<instance>).",
    );
  }
  return index;
}

/** The proxied answer, with the security headers every fedi-bff answer carries and the CORS grant. */
function proxiedResponse(
  upstream: Response,
  method: string,
  url: string,
  account: SessionAccount,
  deps: ProxyDeps,
  cors: HeaderRecord | null,
): Response {
  const own = securityHeaderRecord();
  if (cors !== null) Object.assign(own, cors);
  const links = {
    base: url,
    instanceOrigin: account.origin,
    publicOrigin: deps.publicOrigin,
    prefixes: deps.config.proxyPrefixes,
  };
  return forwardedResponse(upstream, method, links, own);
}
