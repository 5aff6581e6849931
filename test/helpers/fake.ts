/**
 * Typed client for the fake Mastodon-API instance's control API, for tests running inside workerd.
 * Every call goes through the outbound router like the Worker's own fetches (host control.fake).
 */

import { CONTROL_HOST, type Flavour } from "../fake-instance/flavour.ts";
import type { FaultKind, LoggedRequest, Upload } from "../fake-instance/types.ts";

export type { FaultKind, Flavour };
export type FakeRequest = LoggedRequest;
export type FakeUpload = Upload;

const CONTROL = `http://${CONTROL_HOST}`;

export interface FakeState {
  origin: string;
  flavour: Flavour;
  registrations: number;
  apps: {
    client_id: string;
    redirect_uris: string[];
    scopes: string[];
    name: string;
    website: string | null;
    created_at: number;
  }[];
  /** Tokens that still work: not revoked, and their app still exists. */
  liveTokens: number;
  /** The same, counting only tokens issued to a user (not app tokens). */
  liveUserTokens: number;
  tokensIssued: number;
  revokedTokens: number;
  /** Successful refresh grants (Pixelfed, Pleroma/Akkoma). */
  refreshes: number;
  codesIssued: number;
  requests: FakeRequest[];
  uploads: FakeUpload[];
  unexpectedHosts: string[];
}

export interface Fault {
  /** Exact path, or a prefix ending in `*`. */
  path: string;
  kind: FaultKind;
  method?: string;
  /** How many requests it hits; unlimited if omitted. */
  times?: number;
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
  location?: string;
  field?: string;
}

/**
 * The token endpoint calling the app unknown (401 `invalid_client`), as Mastodon answers for a
 * deleted application; on every exchange unless `times` is added.
 */
export const UNKNOWN_CLIENT_AT_TOKEN: Fault = {
  path: "/oauth/token",
  method: "POST",
  kind: "status",
  status: 401,
  body: { error: "invalid_client" },
};

export interface FakeConfig {
  streamingUrl?: string;
  webfinger?: { webOrigin?: string; redirectTo?: string; accountDomain?: string };
  /** RFC 9207: advertise support in the metadata; send `iss` (the issuer, or another server's). */
  iss?: { advertise?: boolean; send?: "issuer" | "other" };
}

function randomHex(bytes: number): string {
  return [...crypto.getRandomValues(new Uint8Array(bytes))]
    .map((b) => b.toString(16).padStart(2, "0"))
    .join("");
}

/** A fresh host of the given flavour, e.g. `gts-0123456789ab.example.net`: isolated state per test. */
export function uniqueHost(flavour: Flavour): string {
  return `${flavour}-${randomHex(6)}.example.net`;
}

/** `https://` + uniqueHost(flavour). */
export const uniqueOrigin = (flavour: Flavour): string => `https://${uniqueHost(flavour)}`;

async function control<T>(method: "GET" | "POST", path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${CONTROL}${path}`, {
    method,
    ...(body === undefined
      ? {}
      : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`fake control ${method} ${path} → ${res.status}: ${text}`);
  return JSON.parse(text) as T;
}

/** Accepts a host or an origin. */
const originOf = (hostOrOrigin: string): string =>
  hostOrOrigin.includes("://") ? hostOrOrigin : `https://${hostOrOrigin}`;

export const fakeState = (origin: string): Promise<FakeState> =>
  control("GET", `/state?origin=${encodeURIComponent(originOf(origin))}`);

export const resetOrigin = (origin: string): Promise<unknown> =>
  control("POST", "/reset", { origin: originOf(origin) });

/** Simulates the admin deleting the app: its tokens die with it. */
export const deleteApp = (origin: string, clientId: string): Promise<{ deleted: boolean }> =>
  control("POST", "/delete-app", { origin: originOf(origin), client_id: clientId });

/** Moves the site's clock forward (seconds), for the daily jobs below. */
export const advanceClock = (origin: string, seconds: number): Promise<{ offset: number }> =>
  control("POST", "/clock", { origin: originOf(origin), advance: seconds });

/**
 * Runs Mastodon's daily vacuum: revoked tokens and old grants; with `applications` (Mastodon
 * 4.2.0–4.2.8 only) also apps over a day old that nothing uses.
 */
export const runMastodonVacuum = (
  origin: string,
  opts: { applications?: boolean } = {},
): Promise<{ deletedApps: number }> =>
  control("POST", "/vacuum", { origin: originOf(origin), applications: opts.applications === true });

/** Runs snac's daily purge: apps nobody signed in through, over an hour old. */
export const runSnacPurge = (origin: string): Promise<{ deletedApps: number }> =>
  control("POST", "/purge", { origin: originOf(origin) });

/** Revokes every app (client_credentials) token of the origin. */
export const revokeAppTokens = (origin: string): Promise<{ revoked: number }> =>
  control("POST", "/revoke-token", { origin: originOf(origin), apps: true });

/** Revokes one token, or every user token of the origin when omitted. */
export const revokeTokens = (origin: string, accessToken?: string): Promise<{ revoked: number }> =>
  control("POST", "/revoke-token", {
    origin: originOf(origin),
    ...(accessToken ? { access_token: accessToken } : {}),
  });

export const configure = (origin: string, config: FakeConfig): Promise<unknown> =>
  control("POST", "/config", { origin: originOf(origin), ...config });

export const injectFault = (origin: string, fault: Fault): Promise<unknown> =>
  control("POST", "/faults", { origin: originOf(origin), ...fault });

/** Sends an event to every open streaming connection (SSE and WebSocket) of the origin. */
export const pushEvent = (
  origin: string,
  event: { event: string; payload: unknown },
): Promise<{ delivered: number }> => control("POST", "/push-event", { origin: originOf(origin), event });

/** Hosts the fake refused because no fake instance lives there. */
export const unexpectedHosts = (): Promise<string[]> => control("GET", "/unexpected");

/**
 * Plays the user at the instance's authorize page: approves as `user` (default alice), or denies
 * (with or without state), or (Akkoma) arrives with an existing session. Returns the redirect Location.
 */
export async function approve(
  authorizeUrl: string,
  opts: { user?: string; deny?: boolean; dropState?: boolean; akkomaSession?: boolean } = {},
): Promise<URL> {
  const headers: Record<string, string> = {
    "user-agent": "fake-browser/1.0",
    "x-fake-user": opts.user ?? "alice",
  };
  if (opts.deny) headers["x-fake-deny"] = "1";
  // A denial without state, as Hollo sends it (any flavour).
  if (opts.dropState) headers["x-fake-drop-state"] = "1";
  if (opts.akkomaSession) headers["x-fake-session"] = "1";
  const res = await fetch(authorizeUrl, { headers, redirect: "manual" });
  const location = res.headers.get("location");
  if (res.status !== 302 || !location) {
    throw new Error(`authorize did not redirect (${res.status}): ${await res.text()}`);
  }
  return new URL(location, authorizeUrl);
}
