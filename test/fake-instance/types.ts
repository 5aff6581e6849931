/** The shapes of the fake instance's state (kept apart so the seed data can use them too). */
import type { Flavour } from "./flavour.ts";

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
  /** Friendica: the token the authorize step already wrote for this code. */
  token?: string;
}

/** An issued access token; `user` is absent for client_credentials (app) tokens. */
export interface Token {
  token: string;
  clientId: string;
  scopes: string[];
  user?: string;
  revoked: boolean;
  createdAt: number;
  /** When the token stops working (site clock, seconds); absent: never (fake-instance/lifetimes.ts). */
  expiresAt?: number;
  /** The refresh token issued with it, and until when that works. */
  refresh?: { token: string; expiresAt: number; revoked: boolean };
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

/** The fault kinds a test can inject (POST control.fake/faults). */
export const FAULT_KINDS = [
  "hang",
  "status",
  "html200",
  "truncated_json",
  "huge_json",
  "drop_field",
  "rate_limit",
  "redirect",
  "reset",
  /** Closes the connection before reading or answering the request, once (a stale pooled connection). */
  "drop_once",
] as const;

export type FaultKind = (typeof FAULT_KINDS)[number];

export interface Fault {
  method?: string;
  path: string;
  kind: FaultKind;
  times: number;
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
  location?: string;
  field?: string;
}

/** A request as the fake logged it. */
export interface LoggedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  /** Lower-case names; authorization is "Bearer <redacted>" or "present". */
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
  /** Successful refresh grants. */
  refreshes: number;
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
