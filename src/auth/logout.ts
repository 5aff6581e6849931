/**
 * `POST /auth/logout[?all=1]`: revokes the active account's token (or all of them) upstream and
 * drops it from the session; a failed revoke never blocks the logout. `POST /auth/switch`
 * makes another account active.
 */

import type { Deps } from "../app/deps.ts";
import { REVOKE_HEADER, type RevokeSummary } from "../client/types.ts";
import { BffError } from "../errors.ts";
import { readBoundedText, SWITCH_BODY_LIMIT } from "../http/body.ts";
import { asRecord } from "../http/upstream.ts";
import { assertSameOriginAction } from "../middleware/origin.ts";
import type { LogoutRevoke } from "../registry/holding.ts";
import { findAccount } from "../session/accounts.ts";
import { loggedOut } from "../session/login-events.ts";
import type { Session, SessionAccount } from "../session/session.ts";
import { clearSessionCookie, remainingLifetime, sessionSetCookie } from "../session/store.ts";
import type { AuthRequest } from "./request.ts";
import { revokeAccount } from "./revoke-account.ts";
import { settleFinishedLogins } from "./settle-logins.ts";

export async function logout(req: AuthRequest): Promise<Response> {
  const { deps } = req;
  assertSameOriginAction(req.headers, deps);
  const session = await req.session();
  const res = new Response(null, { status: 204 });
  if (session === null) {
    res.headers.append("set-cookie", clearSessionCookie());
    return res;
  }
  const all = req.url.searchParams.get("all") === "1";
  const leaving = all ? session.accounts : session.accounts.filter((_, i) => i === session.active);
  const outcomes = await Promise.all(leaving.map((account) => revokeAccount(deps, account)));
  res.headers.set(REVOKE_HEADER, revokeSummary(outcomes));
  for (const account of leaving) loggedOut(req.raw, account.instance);
  // Finished logins are settled here too: their tokens are in the session (revoked just now, or
  // staying) or were lost to a simultaneous login and are revoked.
  for (const line of await settleFinishedLogins(req, session.accounts)) {
    res.headers.append("set-cookie", line);
  }
  res.headers.append("set-cookie", await remainingSessionCookie(session, leaving, deps));
  return res;
}

/**
 * Tells the frontend what became of the tokens upstream (the session ends either way): `done`
 * (revoked, or still held by another session of this fedi-bff), `retrying` (an instance did not
 * answer; fedi-bff tries again for about an hour), or `failed` (it could not even try again).
 */
function revokeSummary(outcomes: readonly LogoutRevoke[]): RevokeSummary {
  if (outcomes.includes("failed")) return "failed";
  return outcomes.includes("retrying") ? "retrying" : "done";
}

/** The session without the accounts `leaving` (the first remaining one active), or a cleared cookie. */
async function remainingSessionCookie(
  session: Session,
  leaving: readonly SessionAccount[],
  deps: Deps,
): Promise<string> {
  const staying = session.accounts.filter((a) => !leaving.includes(a));
  if (staying.length === 0) return clearSessionCookie();
  return sessionSetCookie(staying, 0, deps.ring, remainingLifetime(session));
}

export async function switchAccount(req: AuthRequest): Promise<Response> {
  const { deps } = req;
  assertSameOriginAction(req.headers, deps);
  const session = await req.session();
  if (session === null) throw new BffError("not_authenticated", "Not signed in.");
  const key = await accountParam(req);
  const index = findAccount(session, key);
  if (index < 0) throw new BffError("invalid_account", "No such account in this session.");
  const ttl = remainingLifetime(session);
  const res = new Response(null, { status: 204 });
  res.headers.append("set-cookie", await sessionSetCookie(session.accounts, index, deps.ring, ttl));
  return res;
}

async function accountParam(req: AuthRequest): Promise<string> {
  const fromQuery = req.url.searchParams.get("account");
  if (fromQuery !== null) return fromQuery;
  const type = req.headers.get("content-type") ?? "";
  const text = await readBoundedText(req.raw, SWITCH_BODY_LIMIT);
  if (type.startsWith("application/json")) {
    try {
      const body = JSON.parse(text) as unknown;
      const account = asRecord(body)?.account;
      if (typeof account === "string") return account;
    } catch {
      // fall through to the error below
    }
  } else {
    const account = new URLSearchParams(text).get("account");
    if (account !== null) return account;
  }
  throw new BffError("invalid_account", 'Name the account to switch to: { "account": "<id>@<instance>" }.');
}
