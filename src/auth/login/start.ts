/**
 * `GET|POST /auth/login?instance=HOST[&return_to=/path]`: validates the instance before any
 * outbound request, gets its app registration (one KV read when cached), and sends the browser to
 * the instance's authorize endpoint with state and PKCE. With `Accept: application/json` the
 * answer is `{ authorize_url }` instead of a redirect (for frontends that navigate themselves).
 * A login only a navigation asked for gets a confirmation page first (confirm-page.ts); one that
 * neither a person nor the app started (an image, a script, a frame) starts nothing.
 */

import { OWN_REDIRECT_URI, registrationRequest } from "../../app/deps.ts";
import { LOGIN_FORM_LIMIT, readBoundedText } from "../../http/body.ts";
import { limitRegistrations, requestClientKey } from "../../http/rate-limit.ts";
import type { InstanceOrigin } from "../../instance/host.ts";
import { loginStart } from "../../middleware/origin.ts";
import type { Registration } from "../../oauth/registration.ts";
import { registrationForLogin, verifiedRegistration } from "../../registry/registry.ts";
import { noteAbandonedLogin } from "../../session/login-events.ts";
import type { AuthRequest } from "../request.ts";
import { parseReturnTo } from "../return-to.ts";
import { type LoginBase, startAuthorization } from "./authorize.ts";
import { confirmLogin } from "./confirm-page.ts";
import { hasUnfinishedLogin } from "./slots.ts";
import { parseLoginTarget, resolveLoginTarget } from "./target.ts";

export async function startLogin(req: AuthRequest): Promise<Response> {
  const { deps } = req;
  if (loginStart(req.method, req.headers, deps) === "confirm") return confirmLogin(req, req.url.searchParams);
  // Before the body is read: a flood of large bodies is braked like any other login start.
  await limitRegistrations(req.raw, deps);
  const params = req.method === "POST" ? await formParams(req) : req.url.searchParams;
  const returnTo = parseReturnTo(params.get("return_to") ?? undefined, deps);
  const parsed = parseLoginTarget(params.get("instance"), deps);
  const { target, expectedAcct } = await resolveLoginTarget(parsed, deps);
  // A second account on the same server needs force_login, or the instance reuses its own session.
  const sameInstance = (await req.session())?.accounts.some((a) => a.instance === target.host) ?? false;
  const registration = await usableRegistration(req, target);
  await noteAbandonedLogin(req.raw, await req.slots(), target.host);
  const tx: LoginBase = {
    host: target.host,
    origin: target.origin,
    clientId: registration.clientId,
    redirectUri: OWN_REDIRECT_URI,
    scopes: registration.scopes,
    returnTo,
    forceLogin: registration.forceLogin || sameInstance,
    retried: false,
    expectedAcct,
  };
  return startAuthorization(req, registration, tx);
}

/**
 * The registration to send the user to the instance with. When this browser already tried a login
 * with it that never came back, the instance may have shown an error on its own pages — GoToSocial
 * reports a deleted app only there — so the registrar checks the client first and replaces a dead
 * one: the user's retry is the fix (users of today's clients stay locked out otherwise).
 */
async function usableRegistration(req: AuthRequest, target: InstanceOrigin): Promise<Registration> {
  // The client is named so that servers with one app per login can count its share.
  const client = requestClientKey(req.raw, req.deps.config.trustedProxies);
  const request = { ...registrationRequest(req.deps, target), client };
  const registration = await registrationForLogin(req.deps.registry, request);
  if (!hasUnfinishedLogin(await req.slots(), target.host, registration.clientId)) return registration;
  return verifiedRegistration(req.deps.registry, request, registration.clientId);
}

async function formParams(req: AuthRequest): Promise<URLSearchParams> {
  const type = req.headers.get("content-type") ?? "";
  if (!type.startsWith("application/x-www-form-urlencoded")) return req.url.searchParams;
  return new URLSearchParams(await readBoundedText(req.raw, LOGIN_FORM_LIMIT));
}
