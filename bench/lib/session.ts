/**
 * Session cookies minted with fedi-bff's own code (src/session), so the benchmark always speaks
 * the current wire format: one for an account on the upstream stub, and one with realistic
 * production lengths for the cookie-size figure.
 */
import { randomBytes } from "node:crypto";
import { getKeyRing } from "../../src/crypto/key-ring.ts";
import { SESSION_COOKIE } from "../../src/session/cookies.ts";
import type { SessionAccount } from "../../src/session/session.ts";
import { sessionSetCookie } from "../../src/session/store.ts";

const TTL = 30 * 86_400;

export interface MintedSession {
  /** `name=value`, what a browser sends in its Cookie header. */
  readonly cookie: string;
  /** The sealed value alone. */
  readonly sealed: string;
}

/** A fresh random 256-bit key, base64url (SESSION_KEYS format). */
export function newSessionKey(): string {
  return randomBytes(32).toString("base64url");
}

export async function mintSession(key: string, account: SessionAccount): Promise<MintedSession> {
  const ring = await getKeyRing([key]);
  const setCookie = await sessionSetCookie([account], 0, ring, TTL);
  const cookie = setCookie.split(";")[0] as string;
  return { cookie, sealed: cookie.slice(SESSION_COOKIE.length + 1) };
}

/** The account the load runs as: its origin is the upstream stub. */
export function stubAccount(stubOrigin: string): SessionAccount {
  const instance = new URL(stubOrigin).host;
  return {
    instance,
    origin: stubOrigin,
    token: randomBytes(32).toString("base64url"),
    scope: "read write push",
    clientId: "bench-client-id",
    id: "109000001",
    acct: "bench",
    username: "bench",
    displayName: "Bench",
    avatar: `${stubOrigin}/avatars/original/missing.png`,
    url: `${stubOrigin}/@bench`,
    streaming: stubOrigin.replace(/^http/, "ws"),
  };
}

/**
 * One account with lengths as a real Mastodon server hands them out: 43-character token and
 * client_id, snowflake id, a media-host avatar path, a display name with emoji.
 */
export function realisticAccount(): SessionAccount {
  const host = "mastodon.example.social";
  return {
    instance: host,
    origin: `https://${host}`,
    token: randomBytes(32).toString("base64url"),
    scope: "read write push",
    clientId: randomBytes(32).toString("base64url"),
    id: "109348576120918273",
    acct: "alexandra_longname",
    username: "alexandra_longname",
    displayName: "Alexandra Longname 🌻 (she/her)",
    avatar: `https://files.${host}/accounts/avatars/109/348/576/120/918/273/original/8f3e2c1d0a9b7c6e.png`,
    url: `https://${host}/@alexandra_longname`,
    streaming: `wss://streaming.${host}`,
  };
}

/**
 * `count` distinct sessions on the upstream stub (each its own token, so each its own sealed
 * value): the Cookie headers of a busy deployment, built before the load starts so the load
 * generator only picks the next one.
 */
export async function mintSessions(key: string, stubOrigin: string, count: number): Promise<string[]> {
  const cookies: string[] = [];
  for (let i = 0; i < count; i++) cookies.push((await mintSession(key, stubAccount(stubOrigin))).cookie);
  return cookies;
}
