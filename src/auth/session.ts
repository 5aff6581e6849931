/**
 * `GET /auth/session`: who is signed in, from the cookie alone (display name and avatar are kept
 * in the session at login; no upstream call). Never the token.
 */

import type { AppContext } from "../app/types.ts";
import type { Account, Session as SessionAnswer } from "../client/types.ts";
import { BffError } from "../errors.ts";
import { refuseExcludedAccounts } from "../session/drop.ts";
import { accountKey, activeAccount, type Session, type SessionAccount } from "../session/session.ts";
import { readSession } from "../session/store.ts";
import { settleFinishedLogins } from "./settle-logins.ts";

export async function sessionInfo(c: AppContext): Promise<Response> {
  const session = await requireSession(c);
  await refuseExcludedAccounts(session, c.var.deps);
  const active = activeAccount(session);
  // The first call after a login (the frontend asks who signed in) settles finished logins.
  const waitUntil = (promise: Promise<unknown>) => c.executionCtx.waitUntil(promise);
  const header = c.req.header("cookie") ?? null;
  for (const cookie of await settleFinishedLogins(c.var.deps, header, session.accounts, waitUntil)) {
    c.header("set-cookie", cookie, { append: true });
  }
  return c.json({
    authenticated: true,
    instance: active.instance,
    scopes: active.scope.split(" ").filter(Boolean),
    account: publicAccount(active),
    active: accountKey(active),
    accounts: session.accounts.map((a) => ({
      key: accountKey(a),
      instance: a.instance,
      ...publicAccount(a),
    })),
    expires_at: new Date(session.exp * 1000).toISOString(),
  } satisfies SessionAnswer);
}

export async function requireSession(c: AppContext): Promise<Session> {
  const session = await readSession(c.req.header("cookie") ?? null, c.var.deps.ring);
  if (session === null) throw new BffError("not_authenticated", "Not signed in.");
  return session;
}

function publicAccount(a: SessionAccount): Account {
  return {
    id: a.id,
    acct: a.acct,
    username: a.username,
    display_name: a.displayName,
    avatar: a.avatar,
    url: a.url,
  };
}
