import { randomBytes } from "node:crypto";
import type { Flavour } from "./flavour.ts";
import { accessTokenValue, userTokenLifetime } from "./lifetimes.ts";
import { restore } from "./persist.ts";
import { seedStatuses, USERS } from "./seed.ts";
import type { Site, Token } from "./types.ts";

export type {
  App,
  Code,
  Fault,
  LoggedRequest,
  Site,
  StoredStatus,
  StreamSink,
  Token,
  Upload,
} from "./types.ts";

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
    restore(site);
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
    refreshes: 0,
    codesIssued: 0,
    requests: [],
    uploads: [],
    faults: [],
    streams: new Set(),
    clockOffset: 0,
    config: {},
  };
}

/** Issues a token (a user token with its server's lifetime and refresh token) and counts it. */
export function issueToken(site: Site, clientId: string, scopes: string[], user?: string): Token {
  const now = siteNow(site);
  const token: Token = {
    token: accessTokenValue(site.flavour),
    clientId,
    scopes,
    revoked: false,
    createdAt: now,
  };
  if (user) {
    token.user = user;
    Object.assign(token, userTokenLifetime(site.flavour, now));
  }
  site.tokens.set(token.token, token);
  site.tokensIssued++;
  return token;
}

/** The live token for a raw bearer value: known, not revoked, not expired, and its app still exists. */
export function liveToken(site: Site, raw: string | undefined): Token | undefined {
  if (!raw) return undefined;
  const token = site.tokens.get(raw);
  if (!token || token.revoked || !site.apps.has(token.clientId)) return undefined;
  if (token.expiresAt !== undefined && siteNow(site) >= token.expiresAt) return undefined;
  return token;
}

export const isUser = (name: string): boolean => USERS.some((u) => u.username === name);
export const nowSeconds = (): number => Math.floor(Date.now() / 1000);
/** Now on the site's own clock, which tests can move forward. */
export const siteNow = (site: Site): number => nowSeconds() + site.clockOffset;
