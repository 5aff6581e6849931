/**
 * Accounts leaving a session without the browser asking: a token the instance refused, an instance
 * the operator's lists now exclude. Only those accounts leave — the browser may hold others that
 * still work — and the answer carries the re-sealed cookie (or a cleared one when none is left).
 */
import type { KeyRing } from "../crypto/key-ring.ts";
import { BffError } from "../errors.ts";
import type { Session, SessionAccount } from "./session.ts";
import { clearSessionCookie, remainingLifetime, sessionSetCookie } from "./store.ts";

/** Set-Cookie for `session` without the accounts `leaves` picks; the active one stays active if it stays. */
export async function cookieWithout(
  session: Session,
  leaves: (account: SessionAccount, index: number) => boolean,
  ring: KeyRing,
): Promise<string> {
  const staying: SessionAccount[] = [];
  let active = 0;
  session.accounts.forEach((account, i) => {
    if (leaves(account, i)) return;
    if (i === session.active) active = staying.length;
    staying.push(account);
  });
  if (staying.length === 0) return clearSessionCookie();
  return sessionSetCookie(staying, active, ring, remainingLifetime(session));
}

/**
 * 403 `instance_not_allowed` when the operator's allow/deny lists (read when the isolate started)
 * exclude the instance of any account of `session`: a list must cut off sessions made before it,
 * not only new logins. Every excluded account leaves the cookie the answer carries. `excluded` is
 * the in-memory predicate of instance/policy.ts (no storage).
 */
export async function refuseExcludedAccounts(
  session: Session,
  deps: { readonly excluded: (host: string) => boolean; readonly ring: KeyRing },
): Promise<void> {
  const hosts = session.accounts.filter((a) => deps.excluded(a.instance)).map((a) => a.instance);
  if (hosts.length === 0) return;
  throw await instanceExcluded(session, (a) => deps.excluded(a.instance), deps.ring, hosts.join(","));
}

/** The error for accounts whose instance the lists exclude, carrying the cookie without them. */
export async function instanceExcluded(
  session: Session,
  leaves: (account: SessionAccount, index: number) => boolean,
  ring: KeyRing,
  host: string,
): Promise<BffError> {
  const cookie = await cookieWithout(session, leaves, ring);
  return new BffError("instance_not_allowed", `The instance ${host} is no longer allowed on this server.`, {
    internal: `session on excluded instance ${host}`,
    headers: { "set-cookie": cookie },
  });
}
