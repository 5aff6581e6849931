/**
 * `GET /auth/session`: who is signed in, from the cookie alone (display name and avatar are kept
 * in the session at login; no upstream call). Never the token.
 */

import type { Account, Session as SessionAnswer } from "../client/types.ts";
import { BffError } from "../errors.ts";
import { refuseExcludedAccounts } from "../session/drop.ts";
import { accountKey, activeAccount, type Session, type SessionAccount } from "../session/session.ts";
import type { AuthRequest } from "./request.ts";
import { settleFinishedLogins } from "./settle-logins.ts";

export async function sessionInfo(req: AuthRequest): Promise<Response> {
  const session = await requireSession(req);
  await refuseExcludedAccounts(session, req.deps);
  const active = activeAccount(session);
  // The first call after a login (the frontend asks who signed in) settles finished logins.
  const settled = await settleFinishedLogins(req, session.accounts);
  const res = Response.json({
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
  for (const cookie of settled) res.headers.append("set-cookie", cookie);
  return res;
}

export async function requireSession(req: AuthRequest): Promise<Session> {
  const session = await req.session();
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
