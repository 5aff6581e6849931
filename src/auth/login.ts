/**
 * `GET|POST /auth/login?instance=HOST[&return_to=/path]`: validates the instance before any
 * outbound request, gets its app registration (one KV read when cached), and sends the browser to
 * the instance's authorize endpoint with state and PKCE. With `Accept: application/json` the
 * answer is `{ authorize_url }` instead of a redirect (for frontends that navigate themselves).
 * A login that nothing on this origin started gets a confirmation page first (login-confirm.ts).
 */

import { type Deps, registrationRequest } from "../app/deps.ts";
import type { AppContext } from "../app/types.ts";
import { BffError } from "../errors.ts";
import { LOGIN_FORM_LIMIT, readBoundedText } from "../http/body.ts";
import { limitRegistrations } from "../http/rate-limit.ts";
import type { InstanceOrigin } from "../instance/host.ts";
import { loginStart } from "../middleware/origin.ts";
import { authorizeUrl } from "../oauth/authorize.ts";
import { codeChallenge, randomToken } from "../oauth/pkce.ts";
import type { Registration } from "../oauth/registration.ts";
import { registrationForLogin, verifiedRegistration } from "../registry/registry.ts";
import {
  hasUnfinishedLogin,
  type LoginTransaction,
  loginSetCookies,
  newLoginState,
} from "../session/login.ts";
import { readSession } from "../session/store.ts";
import { confirmLogin } from "./login-confirm.ts";
import { parseLoginTarget, resolveLoginTarget } from "./login-target.ts";
import { parseReturnTo } from "./return-to.ts";

export async function login(c: AppContext): Promise<Response> {
  const { deps } = c.var;
  if (loginStart(c.req.raw.headers, deps) === "confirm") {
    // A browser never sends a form POST without Origin (or with Sec-Fetch-Site: none).
    if (c.req.method === "POST") {
      throw new BffError("forbidden_origin", "A login must be started from the application itself.");
    }
    return confirmLogin(c, new URL(c.req.url).searchParams);
  }
  // Before the body is read: a flood of large bodies is braked like any other login start.
  await limitRegistrations(c.req.raw, deps);
  const params = c.req.method === "POST" ? await formParams(c) : new URL(c.req.url).searchParams;
  const returnTo = parseReturnTo(params.get("return_to") ?? undefined, deps);
  const parsed = parseLoginTarget(params.get("instance"), deps);
  const { target, expectedAcct } = await resolveLoginTarget(parsed, deps);
  const cookieHeader = c.req.header("cookie") ?? null;
  const session = await readSession(cookieHeader, deps.ring);
  // A second account on the same server needs force_login, or the instance reuses its own session.
  const sameInstance = session?.accounts.some((a) => a.instance === target.host) ?? false;
  const registration = await usableRegistration(deps, target, cookieHeader);
  const tx: Omit<LoginTransaction, "state" | "verifier"> = {
    host: target.host,
    origin: target.origin,
    clientId: registration.clientId,
    redirectUri: registration.redirectUri,
    scopes: registration.scopes,
    returnTo,
    forceLogin: registration.forceLogin || sameInstance,
    retried: false,
    expectedAcct,
  };
  return startAuthorization(c, registration, tx);
}

/**
 * The registration to send the user to the instance with. When this browser already tried a login
 * with it that never came back, the instance may have shown an error on its own pages — GoToSocial
 * reports a deleted app only there — so the registrar checks the client first and replaces a dead
 * one: the user's retry is the fix (users of today's clients stay locked out otherwise).
 */
async function usableRegistration(
  deps: Deps,
  target: InstanceOrigin,
  cookieHeader: string | null,
): Promise<Registration> {
  const request = registrationRequest(deps, target);
  const registration = await registrationForLogin(deps.registry, request);
  if (!(await hasUnfinishedLogin(cookieHeader, target.host, registration.clientId, deps.ring))) {
    return registration;
  }
  return verifiedRegistration(deps.registry, request, registration.clientId);
}

/**
 * Creates the login transaction and answers with the redirect (or JSON) to the instance. A restart
 * names the login it `replaces`, whose cookie slot the new one takes over.
 */
export async function startAuthorization(
  c: AppContext,
  registration: Registration,
  base: Omit<LoginTransaction, "state" | "verifier">,
  replaces?: string,
): Promise<Response> {
  const { deps } = c.var;
  const state = await newLoginState(c.req.header("cookie") ?? null, deps.ring, replaces);
  const tx: LoginTransaction = { ...base, state, verifier: randomToken() };
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

async function formParams(c: AppContext): Promise<URLSearchParams> {
  const type = c.req.header("content-type") ?? "";
  if (!type.startsWith("application/x-www-form-urlencoded")) return new URL(c.req.url).searchParams;
  return new URLSearchParams(await readBoundedText(c.req.raw, LOGIN_FORM_LIMIT));
}
