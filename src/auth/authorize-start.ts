/**
 * Sending the browser to the instance's authorize endpoint (RFC 6749 §4.1.1, with PKCE: RFC 7636):
 * a fresh login transaction in a login-cookie slot, and the redirect (or `{ authorize_url }` JSON
 * for frontends that navigate themselves). Used by the login start and by a callback that
 * restarts its own login; no route of its own.
 */

import type { AppContext } from "../app/types.ts";
import { authorizeUrl } from "../oauth/authorize.ts";
import { codeChallenge, randomToken } from "../oauth/pkce.ts";
import type { Registration } from "../oauth/registration.ts";
import { type LoginTransaction, loginSetCookies, newLoginState } from "../session/login.ts";
import { loginStarted } from "../session/login-events.ts";

/** A login transaction before its state and PKCE verifier are drawn. */
export type LoginBase = Omit<LoginTransaction, "state" | "verifier">;

/**
 * Creates the login transaction and answers with the redirect (or JSON) to the instance. A restart
 * names the login it `replaces`, whose cookie slot the new one takes over.
 */
export async function startAuthorization(
  c: AppContext,
  registration: Registration,
  base: LoginBase,
  replaces?: string,
): Promise<Response> {
  const { deps } = c.var;
  const state = await newLoginState(c.req.header("cookie") ?? null, deps.ring, replaces);
  const tx: LoginTransaction = { ...base, state, verifier: randomToken() };
  await loginStarted(c.req.raw, tx, registration);
  const url = authorizeUrl(registration, {
    state: tx.state,
    codeChallenge: await codeChallenge(tx.verifier),
    forceLogin: tx.forceLogin,
  });
  const cookies = await loginSetCookies(tx, deps.ring, c.req.header("cookie") ?? null);
  const wantsJson = (c.req.header("accept") ?? "").includes("application/json");
  const res = wantsJson
    ? Response.json({ authorize_url: url })
    : new Response(null, { status: 302, headers: { location: url } });
  for (const cookie of cookies) res.headers.append("set-cookie", cookie);
  return res;
}

/**
 * Starts `tx` again with `registration`, once (`retried` stops a loop); its new cookie takes this
 * login's slot, so nothing is left behind.
 */
export function restartAuthorization(
  c: AppContext,
  tx: LoginTransaction,
  registration: Registration,
  forceLogin: boolean,
): Promise<Response> {
  const base: LoginBase = {
    ...tx,
    clientId: registration.clientId,
    redirectUri: registration.redirectUri,
    scopes: registration.scopes,
    forceLogin,
    retried: true,
  };
  return startAuthorization(c, registration, base, tx.state);
}
