/**
 * Whether an instance's refusal means the account's token is dead. Servers say it differently:
 * 401 (Mastodon, GoToSocial, Hollo, Mitra), 403 `{"error":"Invalid credentials."}` (Pleroma,
 * Akkoma; Friendica's 403 too), 422 or a bodiless 401 (snac), 500 `{"error":"Unauthenticated."}`
 * with a JSON Accept or a 302 to `/login` (Pixelfed, Laravel's `auth:api`). A 401 is proof. The
 * others are also what a live token gets (Mastodon's admin API answers a non-admin 403, any
 * server may fail with 500), so they are only a suspicion, confirmed by one `verify_credentials`
 * with the same token — at most once per token per CONFIRM_INTERVAL in an isolate, whatever the
 * number of requests — and a refusal that is not confirmed passes through untouched.
 */
import { nowSeconds } from "../clock.ts";
import { discard, readJson } from "../http/upstream.ts";
import type { SessionAccount } from "../session/session.ts";
import type { ProxyDeps } from "./deps.ts";
import { fetchWithHeadTimeout, type HeadFetch } from "./fetch-head.ts";

/** A token's confirmed state is reused for this long (seconds) in an isolate. */
export const CONFIRM_INTERVAL = 60;
const MEMO_LIMIT = 1000;
const VERIFY_CREDENTIALS = "/api/v1/accounts/verify_credentials";
/** Pixelfed's "not signed in" body is a few bytes; anything longer is not it. */
const MAX_REFUSAL_BYTES = 1024;

/**
 * Per isolate: the token (memory only, as the session memo) → until when, and the verdict (a
 * promise, so that parallel refusals share one confirmation).
 */
const confirmed = new Map<string, { readonly until: number; readonly dead: Promise<boolean> }>();

/** True when `status` (not 401, not 2xx) may be a server's way of refusing a dead token. */
export function maySignalDeadToken(status: number, location: string | null): boolean {
  if (status === 403 || status === 422 || status === 500) return true;
  return status >= 301 && status <= 308 && location !== null && isSignInPage(location);
}

/** Asks the instance whether `account`'s token still works (memoized per token for a while). */
export async function isTokenDead(
  account: SessionAccount,
  head: HeadFetch,
  deps: ProxyDeps,
): Promise<boolean> {
  const now = nowSeconds();
  const known = confirmed.get(account.token);
  if (known !== undefined && known.until > now) return known.dead;
  const dead = askInstance(account, head, deps);
  if (confirmed.size >= MEMO_LIMIT) confirmed.delete(confirmed.keys().next().value as string);
  confirmed.set(account.token, { until: now + CONFIRM_INTERVAL, dead });
  return dead;
}

async function askInstance(account: SessionAccount, head: HeadFetch, deps: ProxyDeps): Promise<boolean> {
  let res: Response;
  try {
    const headers = {
      accept: "application/json",
      authorization: `Bearer ${account.token}`,
      "user-agent": deps.upstream.userAgent,
    };
    res = await fetchWithHeadTimeout(head, `${account.origin}${VERIFY_CREDENTIALS}`, { headers }, true);
  } catch {
    // Unreachable or slow: nothing is proven, the session stays.
    return false;
  }
  return refusesToken(res);
}

/** The confirmation's verdict: the same refusals, now from the one endpoint every live token may read. */
async function refusesToken(res: Response): Promise<boolean> {
  const { status } = res;
  if (status === 401 || status === 403 || status === 422) {
    await discard(res);
    return true;
  }
  if (status >= 301 && status <= 308) {
    await discard(res);
    return isSignInPage(res.headers.get("location") ?? "");
  }
  if (status !== 500) {
    await discard(res);
    return false;
  }
  try {
    const body = await readJson(res, "invalid_upstream_response", MAX_REFUSAL_BYTES);
    return (body as { error?: unknown } | null)?.error === "Unauthenticated.";
  } catch {
    return false;
  }
}

/** A redirect to the web sign-in page (Pixelfed: `/login`), absolute or relative. */
function isSignInPage(location: string): boolean {
  const path = location.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, "").split(/[?#]/)[0] ?? "";
  return path === "/login" || path === "/login/";
}
