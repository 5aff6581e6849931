import { asRecord } from "../http/upstream.ts";

/**
 * What fedi-bff knows about one instance's OAuth app: endpoints, client credentials and quirks.
 * Stored sealed (it holds the client_secret) in KV and in the instance's Durable Object.
 */
export interface Endpoints {
  readonly register: string;
  readonly authorize: string;
  readonly token: string;
  readonly revoke: string;
}

/** RFC 8414 `issuer` and whether the server advertised RFC 9207 (`iss` in every authorization response). */
export interface Issuer {
  readonly id: string;
  readonly required: boolean;
}

export interface Registration {
  readonly host: string;
  readonly origin: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly redirectUri: string;
  /** Space-separated scopes the app was registered with. */
  readonly scopes: string;
  readonly endpoints: Endpoints;
  /** nodeinfo software.name, lower-case, or "" when unknown. */
  readonly software: string;
  /** Pleroma/Akkoma return a token in the URL for a known browser unless force_login=true. */
  readonly forceLogin: boolean;
  /** Base URL of the streaming API (configuration.urls.streaming), already host-checked. */
  readonly streaming: string;
  /** From RFC 8414 metadata; absent on servers without it and in registrations stored before it. */
  readonly issuer?: Issuer;
  /** Seconds since epoch. */
  readonly createdAt: number;
  /** When the endpoints, software and streaming URL were discovered (seconds; older records: createdAt). */
  readonly discoveredAt?: number;
}

/** Which app a login needs: one registration per (host, redirect_uri, scopes). */
export interface RegistrationRequest {
  readonly host: string;
  readonly origin: string;
  readonly redirectUri: string;
  readonly scopes: string;
  /**
   * Who starts the login (its address key, as the login rate limit counts it): servers with one
   * app per login count unfinished logins per client. Never stored in a registration.
   */
  readonly client?: string;
}

const STRING_FIELDS = [
  "host",
  "origin",
  "clientId",
  "clientSecret",
  "redirectUri",
  "scopes",
  "software",
  "streaming",
];
const ENDPOINT_FIELDS = ["register", "authorize", "token", "revoke"];

/** Checks an opened payload field by field; anything off is null (a fresh registration follows). */
export function decodeRegistration(value: unknown): Registration | null {
  const record = asRecord(value);
  if (record === null) return null;
  if (!STRING_FIELDS.every((f) => typeof record[f] === "string")) return null;
  if (typeof record.forceLogin !== "boolean" || typeof record.createdAt !== "number") return null;
  const endpoints = asRecord(record.endpoints);
  if (endpoints === null || !ENDPOINT_FIELDS.every((f) => typeof endpoints[f] === "string")) return null;
  if (record.issuer !== undefined && !isIssuer(record.issuer)) return null;
  return record as unknown as Registration;
}

function isIssuer(value: unknown): value is Issuer {
  const issuer = asRecord(value);
  return typeof issuer?.id === "string" && typeof issuer.required === "boolean";
}
