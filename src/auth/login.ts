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
import { limitRegistrations, requestClientKey } from "../http/rate-limit.ts";
import type { InstanceOrigin } from "../instance/host.ts";
import { loginStart } from "../middleware/origin.ts";
import type { Registration } from "../oauth/registration.ts";
import { registrationForLogin, verifiedRegistration } from "../registry/registry.ts";
import { hasUnfinishedLogin } from "../session/login.ts";
import { readSession } from "../session/store.ts";
import { type LoginBase, startAuthorization } from "./authorize-start.ts";
import { confirmLogin } from "./login-confirm.ts";
import { parseLoginTarget, resolveLoginTarget } from "./login-target.ts";
import { parseReturnTo } from "./return-to.ts";

export async function login(c: AppContext): Promise<Response> {
  const { deps } = c.var;
  if (loginStart(c.req.raw.headers, deps) === "confirm") return confirmFirst(c);
  // Before the body is read: a flood of large bodies is braked like any other login start.
  await limitRegistrations(c.req.raw, deps);
  const params = c.req.method === "POST" ? await formParams(c) : new URL(c.req.url).searchParams;
  const returnTo = parseReturnTo(params.get("return_to") ?? undefined, deps);
  const parsed = parseLoginTarget(params.get("instance"), deps);
  const { target, expectedAcct } = await resolveLoginTarget(parsed, deps);
  const cookieHeader = c.req.header("cookie") ?? null;
  const sameInstance = await hasAccountOn(cookieHeader, target.host, deps);
  const registration = await usableRegistration(deps, target, cookieHeader, c.req.raw);
  const tx: LoginBase = {
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

/** A login nothing on this origin started: the user confirms it on our own page first. */
function confirmFirst(c: AppContext): Promise<Response> {
  // A browser never sends a form POST without Origin (or with Sec-Fetch-Site: none).
  if (c.req.method === "POST") {
    throw new BffError("forbidden_origin", "A login must be started from the application itself.");
  }
  return confirmLogin(c, new URL(c.req.url).searchParams);
}

/**
 * True when this browser's session already holds an account on `host`: a second account on the
 * same server needs force_login, or the instance reuses its own session.
 */
async function hasAccountOn(cookieHeader: string | null, host: string, deps: Deps): Promise<boolean> {
  const session = await readSession(cookieHeader, deps.ring);
  return session?.accounts.some((a) => a.instance === host) ?? false;
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
  raw: Request,
): Promise<Registration> {
  // The client is named so that servers with one app per login can count its share.
  const client = requestClientKey(raw, deps.config.trustedProxies);
  const request = { ...registrationRequest(deps, target), client };
  const registration = await registrationForLogin(deps.registry, request);
  if (!(await hasUnfinishedLogin(cookieHeader, target.host, registration.clientId, deps.ring))) {
    return registration;
  }
  return verifiedRegistration(deps.registry, request, registration.clientId);
}

async function formParams(c: AppContext): Promise<URLSearchParams> {
  const type = c.req.header("content-type") ?? "";
  if (!type.startsWith("application/x-www-form-urlencoded")) return new URL(c.req.url).searchParams;
  return new URLSearchParams(await readBoundedText(c.req.raw, LOGIN_FORM_LIMIT));
}
