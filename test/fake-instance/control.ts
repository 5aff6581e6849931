import type { IncomingMessage, ServerResponse } from "node:http";
import { flavourOf } from "./flavour.ts";
import { type Body, readBody, str } from "./http.ts";
import { mastodonVacuum, snacPurge } from "./lifecycle.ts";
import { resetSite, type Site, siteFor, unexpectedHosts } from "./state.ts";
import { FAULT_KINDS, type FaultKind } from "./types.ts";

type Answer = [number, unknown];

function json(res: ServerResponse, [status, value]: Answer): void {
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
  res.end(JSON.stringify(value));
}

/** The site named by an `origin` value ("https://host" or a bare host, meaning https). */
function site(raw: unknown): Site | string {
  if (typeof raw !== "string" || !raw) return "origin is required";
  let origin: string;
  try {
    origin = new URL(raw.includes("://") ? raw : `https://${raw}`).origin;
  } catch {
    return `bad origin: ${raw}`;
  }
  const flavour = flavourOf(new URL(origin).hostname);
  return flavour ? siteFor(origin, flavour) : `not a fake instance host: ${origin}`;
}

function stateOf(s: Site): unknown {
  return {
    origin: s.origin,
    flavour: s.flavour,
    registrations: s.registrations,
    apps: [...s.apps.values()].map((a) => ({
      client_id: a.clientId,
      redirect_uris: a.redirectUris,
      scopes: a.scopes,
      name: a.name,
      website: a.website,
      created_at: a.createdAt,
    })),
    liveTokens: [...s.tokens.values()].filter((t) => !t.revoked && s.apps.has(t.clientId)).length,
    liveUserTokens: [...s.tokens.values()].filter((t) => t.user && !t.revoked && s.apps.has(t.clientId))
      .length,
    tokensIssued: s.tokensIssued,
    revokedTokens: s.revokedTokens,
    refreshes: s.refreshes,
    codesIssued: s.codesIssued,
    requests: s.requests,
    uploads: s.uploads,
    unexpectedHosts,
  };
}

/** One token, every user token (default), or with `apps: true` every app token. */
function revokeTokens(s: Site, raw: string | undefined, apps = false): Answer {
  let count = 0;
  for (const t of s.tokens.values()) {
    if (!t.revoked && (raw ? t.token === raw : apps ? !t.user : Boolean(t.user))) {
      t.revoked = true;
      count++;
    }
  }
  s.revokedTokens += count;
  return [200, { revoked: count }];
}

const isFaultKind = (kind: string | undefined): kind is FaultKind =>
  (FAULT_KINDS as readonly (string | undefined)[]).includes(kind);

function addFault(s: Site, b: Body): Answer {
  const kind = str(b, "kind");
  const path = str(b, "path");
  if (!isFaultKind(kind)) return [400, { error: `bad kind: ${kind}` }];
  if (!path?.startsWith("/")) return [400, { error: "path must start with /" }];
  const times = typeof b.times === "number" ? b.times : Number.POSITIVE_INFINITY;
  const headers =
    b.headers && typeof b.headers === "object" ? (b.headers as Record<string, string>) : undefined;
  s.faults.push({
    kind,
    path,
    times,
    method: str(b, "method"),
    status: typeof b.status === "number" ? b.status : undefined,
    body: b.body,
    headers,
    location: str(b, "location"),
    field: str(b, "field"),
  });
  return [200, { ok: true }];
}

function configure(s: Site, b: Body): Answer {
  const url = str(b, "streamingUrl");
  if (url !== undefined) s.config.streamingUrl = url;
  if (b.webfinger && typeof b.webfinger === "object")
    s.config.webfinger = b.webfinger as Site["config"]["webfinger"];
  if (b.iss && typeof b.iss === "object") s.config.iss = b.iss as Site["config"]["iss"];
  return [200, { ok: true, config: s.config }];
}

function push(s: Site, b: Body): Answer {
  const e = b.event && typeof b.event === "object" ? (b.event as Body) : {};
  const payload = typeof e.payload === "string" ? e.payload : JSON.stringify(e.payload ?? {});
  for (const sink of s.streams) sink(str(e, "event") ?? "update", payload);
  return [200, { delivered: s.streams.size }];
}

async function route(req: IncomingMessage, url: URL): Promise<Answer> {
  const key = `${req.method} ${url.pathname}`;
  if (key === "GET /unexpected") return [200, unexpectedHosts];
  if (key === "GET /state") {
    const s = site(url.searchParams.get("origin"));
    return typeof s === "string" ? [400, { error: s }] : [200, stateOf(s)];
  }
  if (req.method !== "POST") return [404, { error: `no control route ${key}` }];
  const body = await readBody(req);
  if (body === "invalid") return [400, { error: "body must be a JSON object" }];
  const s = site(body.origin);
  if (typeof s === "string") return [400, { error: s }];
  switch (url.pathname) {
    case "/reset":
      resetSite(s.origin);
      return [200, { ok: true }];
    case "/delete-app":
      // The admin deleted the app: its tokens stop working with it (liveToken checks the app).
      return [200, { deleted: s.apps.delete(str(body, "client_id") ?? "") }];
    case "/revoke-token":
      return revokeTokens(s, str(body, "access_token"), body.apps === true);
    case "/config":
      return configure(s, body);
    case "/faults":
      return addFault(s, body);
    case "/push-event":
      return push(s, body);
    case "/clock":
      s.clockOffset += typeof body.advance === "number" ? body.advance : 0;
      return [200, { offset: s.clockOffset }];
    case "/vacuum":
      return [200, mastodonVacuum(s, body.applications === true)];
    case "/purge":
      return [200, snacPurge(s)];
    default:
      return [404, { error: `no control route ${key}` }];
  }
}

/** The control API on host control.fake (plain JSON). */
export async function handleControl(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  json(res, await route(req, url));
}
