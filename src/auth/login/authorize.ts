/**
 * Sending the browser to the instance's authorize endpoint (RFC 6749 §4.1.1, with PKCE: RFC 7636):
 * a fresh login transaction in a login-cookie slot, and the redirect (or `{ authorize_url }` JSON
 * for frontends that navigate themselves). Used by the login start and by a callback that
 * restarts its own login; no route of its own.
 */

import { authorizeUrl } from "../../oauth/authorize.ts";
import { codeChallenge, randomToken } from "../../oauth/pkce.ts";
import type { Registration } from "../../oauth/registration.ts";
import { clearCookie } from "../../session/cookies.ts";
import { loginStarted } from "../../session/login-events.ts";
import type { AuthRequest } from "../request.ts";
import { pickSlot, staleLoginCookies, stateIn } from "./slots.ts";
import { type LoginTransaction, transactionCookie } from "./transaction.ts";

/** A login transaction before its state and PKCE verifier are drawn. */
export type LoginBase = Omit<LoginTransaction, "state" | "verifier">;

/**
 * Creates the login transaction and answers with the redirect (or JSON) to the instance. A restart
 * names the login it `replaces`, whose cookie slot the new one takes over.
 */
export async function startAuthorization(
  req: AuthRequest,
  registration: Registration,
  base: LoginBase,
  replaces?: string,
): Promise<Response> {
  const [random = 0] = crypto.getRandomValues(new Uint8Array(1));
  const slot = pickSlot(await req.slots(), random, replaces);
  const tx: LoginTransaction = { ...base, state: stateIn(slot, randomToken()), verifier: randomToken() };
  await loginStarted(req.raw, tx, registration);
  const url = authorizeUrl(registration, {
    state: tx.state,
    codeChallenge: await codeChallenge(tx.verifier),
    forceLogin: tx.forceLogin,
  });
  const cookie = await transactionCookie(tx, req.deps.ring);
  const wantsJson = (req.headers.get("accept") ?? "").includes("application/json");
  const res = wantsJson
    ? Response.json({ authorize_url: url })
    : new Response(null, { status: 302, headers: { location: url } });
  for (const stale of staleLoginCookies(req.cookies, slot))
    res.headers.append("set-cookie", clearCookie(stale));
  res.headers.append("set-cookie", cookie);
  return res;
}

/**
 * Starts `tx` again with `registration`, once (`retried` stops a loop); its new cookie takes this
 * login's slot, so nothing is left behind.
 */
export function restartAuthorization(
  req: AuthRequest,
  tx: LoginTransaction,
  registration: Registration,
  forceLogin: boolean,
): Promise<Response> {
  const base: LoginBase = {
    ...tx,
    clientId: registration.clientId,
    scopes: registration.scopes,
    forceLogin,
    retried: true,
  };
  return startAuthorization(req, registration, base, tx.state);
}
