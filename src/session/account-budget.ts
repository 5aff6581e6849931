/**
 * What one account may add to the session cookie, whatever its instance sends. A browser drops a
 * cookie over ~4 KB — silently, so the user would just stay signed out — and the session holds up
 * to MAX_ACCOUNTS accounts: each gets MAX_ACCOUNT_BYTES of JSON (before encryption, which adds a
 * third). Fields the proxy needs are kept exactly or the login is refused; the ones only shown to
 * the user are shortened or dropped first.
 */
import { BffError } from "../errors.ts";
import { MAX_ACCOUNTS, type SessionAccount, wireAccount } from "./session.ts";

/** 4 accounts at this size make a session cookie under 4,000 bytes (tested). */
export const MAX_ACCOUNT_BYTES = 680;
/** What the whole session's accounts may take: a session over it takes no further account. */
export const SESSION_ACCOUNT_BYTES = MAX_ACCOUNTS * MAX_ACCOUNT_BYTES;
/**
 * Bytes of JSON per field, quotes included (an escaped control character counts six). Tokens and
 * client ids seen in the wild are 26–52 characters (Mastodon, GoToSocial, Akkoma, snac, Hollo);
 * a longer token (Pixelfed's are JWTs of about a kilobyte, up to the 1,024 characters the token
 * endpoint accepts) adds its excess to its account's budget, so it fits alone but leaves less room
 * for other accounts.
 */
export const FIELD_BYTES = {
  token: 130,
  clientId: 130,
  scope: 128,
  streaming: 256,
  acct: 128,
  displayName: 128,
  avatar: 256,
  url: 256,
} as const;

const encoder = new TextEncoder();
const jsonBytes = (value: unknown): number => encoder.encode(JSON.stringify(value)).byteLength;

/** Shown-only fields, dropped in this order until the account fits. */
const SHRINK: readonly ((a: SessionAccount) => SessionAccount)[] = [
  (a) => ({ ...a, avatar: "" }),
  (a) => ({ ...a, url: "" }),
  (a) => ({ ...a, displayName: "" }),
  (a) => ({ ...a, acct: a.username }),
];

/**
 * `account` within its budget. `fallback` replaces a scope or streaming URL too long to keep (the
 * scopes that were asked for; the instance's own host for streaming).
 */
export function fitAccount(
  account: SessionAccount,
  fallback: { readonly scope: string; readonly streaming: string },
): SessionAccount {
  if (jsonBytes(account.clientId) > FIELD_BYTES.clientId) throw tooLarge("client_id");
  const budget =
    MAX_ACCOUNT_BYTES + Math.max(0, jsonBytes(account.token) - FIELD_BYTES.token) + endBytes(account);
  let fitted: SessionAccount = {
    ...account,
    scope: jsonBytes(account.scope) > FIELD_BYTES.scope ? fallback.scope : account.scope,
    streaming: jsonBytes(account.streaming) > FIELD_BYTES.streaming ? fallback.streaming : account.streaming,
    acct: jsonBytes(account.acct) > FIELD_BYTES.acct ? account.username : account.acct,
    displayName: truncate(account.displayName, FIELD_BYTES.displayName),
    avatar: jsonBytes(account.avatar) > FIELD_BYTES.avatar ? "" : account.avatar,
    url: jsonBytes(account.url) > FIELD_BYTES.url ? "" : account.url,
  };
  for (const shrink of SHRINK) {
    if (accountBytes(fitted) <= budget) return fitted;
    fitted = shrink(fitted);
  }
  if (accountBytes(fitted) <= budget) return fitted;
  throw tooLarge(`${accountBytes(fitted)} bytes without its profile fields`);
}

/**
 * What a token's end and refresh token add (`,"e":…,"r":"…"`): like a long token, it widens its
 * own account's budget, and leaves less room for other accounts (`SESSION_ACCOUNT_BYTES`).
 */
function endBytes(account: SessionAccount): number {
  if (account.tokenEnd === undefined) return 0;
  const { tokenEnd: _end, refreshToken: _refresh, ...rest } = account;
  return accountBytes(account) - accountBytes(rest);
}

/** The bytes this account takes in the sealed session's JSON. */
export function accountBytes(account: SessionAccount): number {
  return jsonBytes(wireAccount(account));
}

/** `text` cut (on a code point) so that its JSON takes at most `max` bytes. */
function truncate(text: string, max: number): string {
  if (jsonBytes(text) <= max) return text;
  let out = "";
  let used = 2; // the quotes
  for (const char of text) {
    const size = jsonBytes(char) - 2;
    if (used + size > max) break;
    out += char;
    used += size;
  }
  return out;
}

function tooLarge(internal: string): BffError {
  return new BffError("account_lookup_failed", "This account's details are too large to keep in a session.", {
    internal: `account over its cookie budget: ${internal}`,
  });
}
