/**
 * What fedi-bff's `/auth/*` routes answer, as the browser sees it. The server builds its answers
 * against these types (auth/session.ts), so the client's types cannot drift from the wire.
 */

/** The public part of a signed-in account (never its token). */
export interface Account {
  readonly id: string;
  readonly acct: string;
  readonly username: string;
  readonly display_name: string;
  readonly avatar: string;
  readonly url: string;
}

/** One account of the session; `key` (`<id>@<instance>`) names it to `switchAccount` and `X-Account`. */
export interface SessionAccount extends Account {
  readonly key: string;
  readonly instance: string;
}

/** `GET /auth/session`: who is signed in, answered from the cookie alone. */
export interface Session {
  readonly authenticated: true;
  /** The active account's instance host. */
  readonly instance: string;
  readonly scopes: readonly string[];
  /** The active account. */
  readonly account: Account;
  /** The active account's key. */
  readonly active: string;
  readonly accounts: readonly SessionAccount[];
  /** ISO 8601. */
  readonly expires_at: string;
}

/** `/auth/login` with `Accept: application/json`: where to send the browser. */
export interface AuthorizeAnswer {
  readonly authorize_url: string;
}

/** The callback's note on `return_to` when the account that signed in is not the handle typed. */
export type AuthWarning = "account_mismatch";

/**
 * Set (to "1") on every error answer fedi-bff builds itself. The proxy never passes an instance's
 * header of this name (its response headers are an allow-list), so `FediBffError.code` is taken
 * only from answers that carry it: an instance's `{"error":"session_revoked"}` is the instance's.
 */
export const OWN_ERROR_HEADER = "fedi-bff-error";

/** `POST /auth/logout` names in this header what became of the tokens upstream. */
export const REVOKE_HEADER = "fedi-bff-revoke";

/**
 * `done`: revoked, or still held by another session of this fedi-bff; `retrying`: an instance did
 * not answer and fedi-bff tries again for about an hour; `failed`: it could not try again (the
 * token may stay valid until the user revokes it in the instance's settings).
 */
export type RevokeSummary = "done" | "retrying" | "failed";

/** What `logout()` resolves with: the session ended; `revoke` says what became of the tokens. */
export interface LogoutResult {
  readonly revoke: RevokeSummary;
}
