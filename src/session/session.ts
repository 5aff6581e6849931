/**
 * The session: every signed-in account of this browser, held only in an encrypted cookie (no
 * server-side state, so the proxy's hot path touches no storage). Wire names are short because a
 * browser keeps a cookie to about 4 KB; `decodeSession` checks every field of the opened payload.
 */

import type { Claims } from "../crypto/seal.ts";
import { asRecord } from "../http/upstream.ts";
import type { AccountInfo } from "../oauth/account.ts";

/** One signed-in account: who it is (from verify_credentials) and how to reach its instance. */
export interface SessionAccount extends AccountInfo {
  /** The instance's canonical host (the only upstream the proxy will use for this account). */
  readonly instance: string;
  /** https://instance (http only for dev-allowed insecure hosts). */
  readonly origin: string;
  readonly token: string;
  readonly scope: string;
  readonly clientId: string;
  /** Base URL of the instance's streaming API (may be another host), checked at login. */
  readonly streaming: string;
  /**
   * When the token ends (seconds since epoch), for a server that says so (`expires_in`); absent
   * for tokens without a usable end (session/token-life.ts).
   */
  readonly tokenEnd?: number;
  /** The refresh token, kept only beside a `tokenEnd` (the cookie is sealed: never in clear). */
  readonly refreshToken?: string;
  /**
   * This session's hold on the token (src/registry/holding.ts): a logout revokes the token only
   * when no other session holds it. Absent in sessions signed in before holdings were kept.
   */
  readonly holder?: string;
}

export interface Session {
  readonly accounts: readonly SessionAccount[];
  /** Index of the active account in `accounts`. */
  readonly active: number;
  /** Expiry, seconds since epoch. */
  readonly exp: number;
}

/** Accounts per session: the cookie holds them all, and must stay under a browser's ~4 KB. */
export const MAX_ACCOUNTS = 4;

/** A stable name for an account in API answers: `<id>@<instance>`. */
export function accountKey(account: Pick<SessionAccount, "id" | "instance">): string {
  return `${account.id}@${account.instance}`;
}

export function activeAccount(session: Session): SessionAccount {
  const account = session.accounts[session.active] ?? session.accounts[0];
  if (account === undefined) throw new Error("session without accounts");
  return account;
}

/** The string fields of an account (the token's end and refresh token follow them on the wire: `e`, `r`). */
type StringField = Exclude<keyof SessionAccount, "tokenEnd" | "refreshToken">;

const WIRE: Record<StringField, string> = {
  instance: "i",
  origin: "o",
  token: "t",
  scope: "s",
  clientId: "c",
  id: "a",
  acct: "q",
  username: "u",
  displayName: "n",
  avatar: "p",
  url: "l",
  streaming: "w",
  holder: "h",
};
const FIELDS = Object.keys(WIRE) as StringField[];
const OPTIONAL: ReadonlySet<StringField> = new Set(["holder"]);
/** A token end on the wire: whole seconds, after 2001 and before 2286 (ten digits). */
const END = (value: unknown): value is number =>
  typeof value === "number" && Number.isInteger(value) && value >= 1e9 && value < 1e10;

/** The claims sealed into the cookie (format version 1). */
export function encodeSession(accounts: readonly SessionAccount[], active: number): Record<string, unknown> {
  return { v: 1, x: active, z: accounts.map(wireAccount) };
}

/**
 * One account as the cookie carries it (short names; an absent optional field is left out). `e`
 * and `r` appear only when the token has an end: cookies sealed before they existed read as
 * tokens without one (no migration needed).
 */
export function wireAccount(account: SessionAccount): Record<string, string | number> {
  const wire: Record<string, string | number> = Object.fromEntries(
    FIELDS.flatMap((f) => (account[f] === undefined ? [] : [[WIRE[f], account[f]]])),
  );
  if (account.tokenEnd !== undefined) {
    wire.e = account.tokenEnd;
    if (account.refreshToken !== undefined) wire.r = account.refreshToken;
  }
  return wire;
}

/** Opened claims → Session, or null if anything is off (an old or foreign format is "no session"). */
export function decodeSession(payload: Claims): Session | null {
  const { v, x, z, exp } = payload as Record<string, unknown>;
  if (v !== 1 || !Array.isArray(z) || typeof exp !== "number") return null;
  // More accounts than a session may hold is not a session fedi-bff sealed.
  if (z.length === 0 || z.length > MAX_ACCOUNTS) return null;
  if (typeof x !== "number" || !Number.isInteger(x) || x < 0 || x >= z.length) return null;
  const accounts: SessionAccount[] = [];
  for (const item of z) {
    const account = decodeAccount(item);
    if (account === null) return null;
    accounts.push(account);
  }
  return { accounts, active: x, exp };
}

function decodeAccount(item: unknown): SessionAccount | null {
  const wire = asRecord(item);
  if (wire === null) return null;
  const account: Record<string, string> = {};
  for (const field of FIELDS) {
    const value = wire[WIRE[field]];
    if (value === undefined && OPTIONAL.has(field)) continue;
    if (typeof value !== "string") return null;
    account[field] = value;
  }
  const { e, r } = wire;
  if (e === undefined) return r === undefined ? (account as unknown as SessionAccount) : null;
  if (!END(e) || (r !== undefined && typeof r !== "string")) return null;
  const ends = { tokenEnd: e, ...(r === undefined ? {} : { refreshToken: r }) };
  return { ...(account as unknown as SessionAccount), ...ends };
}
