/**
 * `POST /auth/logout[?all=1]`: revokes the active account's token (or all of them) upstream and
 * drops it from the session; a failed revoke never blocks the logout. `POST /auth/switch`
 * makes another account active.
 */

import type { Deps } from "../app/deps.ts";
import type { AppContext } from "../app/types.ts";
import { BffError } from "../errors.ts";
import { readBoundedText, SWITCH_BODY_LIMIT } from "../http/body.ts";
import { assertSameOriginAction } from "../middleware/origin.ts";
import { findAccount } from "../session/accounts.ts";
import { loggedOut } from "../session/login-events.ts";
import type { Session, SessionAccount } from "../session/session.ts";
import { clearSessionCookie, readSession, remainingLifetime, sessionSetCookie } from "../session/store.ts";
import { revokeAccount } from "./revoke-account.ts";
import { settleFinishedLogins } from "./settle-logins.ts";

export async function logout(c: AppContext): Promise<Response> {
  const { deps } = c.var;
  assertSameOriginAction(c.req.raw.headers, deps);
  const session = await readSession(c.req.header("cookie") ?? null, deps.ring);
  const res = new Response(null, { status: 204 });
  if (session === null) {
    res.headers.append("set-cookie", clearSessionCookie());
    return res;
  }
  const all = c.req.query("all") === "1";
  const leaving = all ? session.accounts : session.accounts.filter((_, i) => i === session.active);
  await Promise.all(leaving.map((account) => revokeAccount(deps, account)));
  for (const account of leaving) loggedOut(c.req.raw, account.instance);
  // Finished logins are settled here too: their tokens are in the session (revoked just now, or
  // staying) or were lost to a simultaneous login and are revoked.
  const waitUntil = (promise: Promise<unknown>) => c.executionCtx.waitUntil(promise);
  const header = c.req.header("cookie") ?? null;
  for (const line of await settleFinishedLogins(deps, header, session.accounts, waitUntil)) {
    res.headers.append("set-cookie", line);
  }
  res.headers.append("set-cookie", await remainingSessionCookie(session, leaving, deps));
  return res;
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

export async function switchAccount(c: AppContext): Promise<Response> {
  const { deps } = c.var;
  assertSameOriginAction(c.req.raw.headers, deps);
  const session = await readSession(c.req.header("cookie") ?? null, deps.ring);
  if (session === null) throw new BffError("not_authenticated", "Not signed in.");
  const key = await accountParam(c);
  const index = findAccount(session, key);
  if (index < 0) throw new BffError("invalid_account", "No such account in this session.");
  const ttl = remainingLifetime(session);
  const res = new Response(null, { status: 204 });
  res.headers.append("set-cookie", await sessionSetCookie(session.accounts, index, deps.ring, ttl));
  return res;
}

async function accountParam(c: AppContext): Promise<string> {
  const fromQuery = c.req.query("account");
  if (fromQuery !== undefined) return fromQuery;
  const type = c.req.header("content-type") ?? "";
  const text = await readBoundedText(c.req.raw, SWITCH_BODY_LIMIT);
  if (type.startsWith("application/json")) {
    try {
      const body = JSON.parse(text) as unknown;
      const account =
        typeof body === "object" && body !== null ? (body as Record<string, unknown>).account : null;
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
