/**
 * How fedi-bff keeps an app registration usable on each kind of server. Real servers forget apps
 * on their own, and a browser sent to the authorize page of a forgotten client is stuck on the
 * instance's own error page, where fedi-bff sees nothing:
 *
 * - Mastodon 4.2.0–4.2.8's daily vacuum (app/lib/vacuum/applications_vacuum.rb) deleted every
 *   app older than a day that had no access token, no grant and no user; once a login was
 *   abandoned or every user logged out (revoked tokens are vacuumed first), the app went. Mastodon
 *   PR #30316 (merged 2024-05, backported to 4.2.9) removed it: current Mastodon never deletes an
 *   app on its own. For servers still on those versions, an app token (`client_credentials`) that
 *   is never revoked keeps the app: fedi-bff holds one per registration, its *anchor*, minted
 *   when the app is registered (it also checks the client and serves the public proxy).
 * - snac's `POST /oauth/revoke` deletes the app itself, its token endpoint hands any code's token
 *   to the last user who signed in through the app (so two logins sharing an app could swap
 *   accounts), and apps nobody signed in through are purged daily once over an hour old. So on
 *   snac every login gets an app of its own, which that login's logout deletes.
 * - Friendica keeps one token per app and user (a second device's authorization overwrites the
 *   first's) and its revoke deletes every token of the app, every user's: one app per login too.
 * - Anything else (an admin deleting the app on GoToSocial, a database reset) shows only on the
 *   instance's pages: when a browser retries a login that never came back, the registrar checks
 *   the client with the instance first and registers again if it is gone.
 */

export type Keeping = "anchored" | "per-login";

/**
 * nodeinfo software names that get one app per login: snac (its revoke deletes the whole app,
 * 2.94 measured) and Friendica (one token per app and user, overwritten by the user's next
 * authorization, and a revoke deletes every token of the app: src/Security/OAuth.php,
 * src/Module/OAuth/Revoke.php).
 */
const PER_LOGIN_SOFTWARE = new Set(["snac", "friendica"]);

export function keepingOf(software: string): Keeping {
  return PER_LOGIN_SOFTWARE.has(software) ? "per-login" : "anchored";
}

/**
 * At most one check with the instance (an app-token grant) per registration in this time (s): an
 * instance that forgets its apps (a restore, an admin, a restarted test server) costs a user one
 * failed try, even twice within minutes, and a minute between checks is cheap for any server.
 */
export const CHECK_INTERVAL = 60;

/** How long a login start trusts the KV copy of an anchored registration (seconds). */
export const KV_TRUST = 86_400;

/** A registration is sealed for this long: it lives until the instance proves it dead. */
export const REGISTRATION_SEAL_TTL = 10 * 365 * 86_400;

/** Discovery (endpoints, software, streaming) is reused for new registrations for this long (s). */
export const DISCOVERY_REUSE = 86_400;

/**
 * Per-login servers (src/registry/per-login.ts): at most `pending` unfinished logins per instance
 * at once; a client's given-up and expired starts are counted over `windowSeconds`.
 */
export const PER_LOGIN_LIMIT = { pending: 60, windowSeconds: 3600 } as const;

/** Per-login servers: each client's share — unfinished logins at once, abandoned starts per window. */
export const PER_LOGIN_SHARE = { pending: 3, abandoned: 5 } as const;

/**
 * How long a per-login app waits for its login (s): a login transaction lives 10 minutes
 * (LOGIN_TTL, src/auth/login/transaction.ts), and a callback after that is refused; a minute more for clocks.
 */
export const PENDING_TTL = 660;

/** nodeinfo software names whose token endpoint checks the code, so an idle per-login app can serve another login. */
const REUSABLE_SOFTWARE = new Set(["friendica"]);

export function reusesPerLoginApps(software: string): boolean {
  return REUSABLE_SOFTWARE.has(software);
}

/**
 * A registration replaced because the instance called it dead is not replaced again sooner (s)
 * without proof: within it, only a check the instance answers "unknown client" replaces it.
 */
export const REPLACE_INTERVAL = 600;

/** A rejected app token younger than this is not renewed: the endpoint is simply not public there. */
export const APP_TOKEN_RENEW_INTERVAL = 600;
