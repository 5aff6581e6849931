import { randomBytes } from "node:crypto";
import type { Flavour } from "./flavour.ts";
import { seedStatuses, USERS } from "./seed.ts";

/** A registered OAuth application. */
export interface App {
  id: string;
  clientId: string;
  clientSecret: string;
  name: string;
  website: string | null;
  redirectUris: string[];
  scopes: string[];
  /** Seconds on the site's clock. */
  createdAt: number;
  /** The last user who signed in through the app (snac gives any code's token to this user). */
  lastUser?: string;
}

/** An authorization code waiting to be exchanged. */
export interface Code {
  code: string;
  clientId: string;
  redirectUri: string;
  scopes: string[];
  user: string;
  challenge?: string;
  /** Seconds on the site's clock. */
  createdAt: number;
}

/** An issued access token; `user` is absent for client_credentials (app) tokens. */
export interface Token {
  token: string;
  clientId: string;
  scopes: string[];
  user?: string;
  revoked: boolean;
  createdAt: number;
}

/** A status on the fake's single home timeline. */
export interface StoredStatus {
  id: string;
  user: string;
  text: string;
  createdAt: string;
  visibility: string;
  favouritedBy: Set<string>;
}

export interface Fault {
  method?: string;
  path: string;
  kind: string;
  times: number;
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
  location?: string;
  field?: string;
}

export interface LoggedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  at: number;
}

export interface Upload {
  bytes: number;
  startAt: number;
  firstByteAt: number | null;
  endAt: number | null;
}

/** Something a streaming subscriber can be told: `{event, payload}`. */
export type StreamSink = (event: string, payload: string) => void;

/** The complete, isolated state of one fake origin. */
export interface Site {
  origin: string;
  host: string;
  flavour: Flavour;
  apps: Map<string, App>;
  codes: Map<string, Code>;
  tokens: Map<string, Token>;
  sessions: Map<string, { user: string; fresh: boolean }>;
  statuses: StoredStatus[];
  nextStatus: number;
  idempotency: Map<string, string>;
  media: number;
  registrations: number;
  tokensIssued: number;
  revokedTokens: number;
  codesIssued: number;
  requests: LoggedRequest[];
  uploads: Upload[];
  faults: Fault[];
  streams: Set<StreamSink>;
  /** Seconds added to the real clock (`POST /clock`), so daily jobs can be run "days later". */
  clockOffset: number;
  config: {
    streamingUrl?: string;
    webfinger?: { webOrigin?: string; redirectTo?: string; accountDomain?: string };
    /**
     * RFC 9207, off by default: Mastodon 4.4 neither advertises nor sends `iss` (its metadata
     * serializer has no such field; Doorkeeper sends it only once an `issuer` is configured).
     * `advertise` adds `authorization_response_iss_parameter_supported: true`; `send` puts the
     * issuer (or another server's, `other`) in every authorization response.
     */
    iss?: { advertise?: boolean; send?: "issuer" | "other" };
  };
}

const sites = new Map<string, Site>();

/** Hosts the fake refused: any outbound request the code under test was not expected to make. */
export const unexpectedHosts: string[] = [];

/** A random URL-safe secret. */
export const randomToken = (bytes = 32): string => randomBytes(bytes).toString("base64url");

/** The site for an origin, created (and seeded) on first use. */
export function siteFor(origin: string, flavour: Flavour): Site {
  let site = sites.get(origin);
  if (!site) {
    site = newSite(origin, flavour);
    sites.set(origin, site);
  }
  return site;
}

/** Forgets everything about one origin; the next request starts from the seed. */
export function resetSite(origin: string): void {
  const site = sites.get(origin);
  if (site) for (const sink of site.streams) sink("reset", "{}");
  sites.delete(origin);
}

function newSite(origin: string, flavour: Flavour): Site {
  const statuses = seedStatuses();
  return {
    origin,
    host: new URL(origin).host,
    flavour,
    apps: new Map(),
    codes: new Map(),
    tokens: new Map(),
    sessions: new Map(),
    statuses,
    nextStatus: statuses.length + 1,
    idempotency: new Map(),
    media: 0,
    registrations: 0,
    tokensIssued: 0,
    revokedTokens: 0,
    codesIssued: 0,
    requests: [],
    uploads: [],
    faults: [],
    streams: new Set(),
    clockOffset: 0,
    config: {},
  };
}

/** Issues a token and counts it. */
export function issueToken(site: Site, clientId: string, scopes: string[], user?: string): Token {
  const token: Token = { token: randomToken(), clientId, scopes, revoked: false, createdAt: siteNow(site) };
  if (user) token.user = user;
  site.tokens.set(token.token, token);
  site.tokensIssued++;
  return token;
}

/** The live token for a raw bearer value: known, not revoked, and its app still exists. */
export function liveToken(site: Site, raw: string | undefined): Token | undefined {
  if (!raw) return undefined;
  const token = site.tokens.get(raw);
  if (!token || token.revoked || !site.apps.has(token.clientId)) return undefined;
  return token;
}

export const isUser = (name: string): boolean => USERS.some((u) => u.username === name);
export const nowSeconds = (): number => Math.floor(Date.now() / 1000);
/** Now on the site's own clock, which tests can move forward. */
export const siteNow = (site: Site): number => nowSeconds() + site.clockOffset;
