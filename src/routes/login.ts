/**
 * `GET|POST /auth/login?instance=HOST[&return_to=/path]`: validates the instance before any
 * outbound request, gets its app registration (one KV read when cached), and sends the browser to
 * the instance's authorize endpoint with state and PKCE. With `Accept: application/json` the
 * answer is `{ authorize_url }` instead of a redirect (for frontends that navigate themselves).
 */

import { parseReturnTo } from "../auth/return-to.ts";
import { type Deps, registrationRequest } from "../context.ts";
import { BffError } from "../errors.ts";
import { type InstanceOrigin, parseInstance } from "../instance/host.ts";
import { assertInstanceAllowed } from "../instance/policy.ts";
import type { Registration } from "../instance/registration.ts";
import { registrationForLogin, verifiedRegistration } from "../instance/registry.ts";
import { parseHandle, resolveHandle } from "../instance/webfinger.ts";
import { assertLoginStart } from "../middleware/origin.ts";
import { authorizeUrl } from "../oauth/authorize.ts";
import { codeChallenge, randomToken } from "../oauth/pkce.ts";
import {
  hasUnfinishedLogin,
  type LoginTransaction,
  loginSetCookies,
  newLoginState,
} from "../session/login.ts";
import { readSession } from "../session/store.ts";
import type { AppContext } from "../types.ts";

export async function login(c: AppContext): Promise<Response> {
  const { deps } = c.var;
  const headers = c.req.raw.headers;
  assertLoginStart(headers, deps);
  const params = c.req.method === "POST" ? await formParams(c) : new URL(c.req.url).searchParams;
  const returnTo = parseReturnTo(params.get("return_to") ?? undefined, deps);
  await rateLimit(c, deps);
  const { target, expectedAcct } = await resolveTarget(params.get("instance"), deps);
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
 * one: the user's retry is the fix (UPSTREAM.md, complaint 1).
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

/** The instance to log in with: a host, or a handle resolved through WebFinger. */
async function resolveTarget(
  raw: string | null,
  deps: Deps,
): Promise<{ target: InstanceOrigin; expectedAcct: string }> {
  const only = deps.config.allowlist.length === 1 && deps.config.allowlist[0]?.kind === "exact";
  // Single-instance mode: an allowlist of one host needs no `instance` parameter.
  const input =
    raw === null || raw.trim() === "" ? (only ? deps.config.allowlist[0]?.value : undefined) : raw;
  if (input === undefined) {
    throw new BffError("invalid_instance", "Say which instance to log in with: ?instance=mastodon.example.");
  }
  const lists = { allow: deps.config.allowlist, deny: deps.config.denylist };
  const handle = parseHandle(input, deps.policy);
  if (handle === null) {
    const target = parseInstance(input, deps.policy);
    assertInstanceAllowed(target.host, lists);
    return { target, expectedAcct: "" };
  }
  assertInstanceAllowed(handle.domain.host, lists);
  const target = await resolveHandle(deps.upstream, handle, deps.policy);
  assertInstanceAllowed(target.host, lists);
  return { target, expectedAcct: handle.username };
}

async function formParams(c: AppContext): Promise<URLSearchParams> {
  const type = c.req.header("content-type") ?? "";
  if (!type.startsWith("application/x-www-form-urlencoded")) return new URL(c.req.url).searchParams;
  const body = await c.req.text();
  if (body.length > 8192) throw new BffError("invalid_request", "The login form is too large.");
  return new URLSearchParams(body);
}

/** Login starts per client IP (IPv6 per /64), a brake on registration abuse. */
async function rateLimit(c: AppContext, deps: Deps): Promise<void> {
  const limiter = deps.env.LOGIN_LIMITER;
  if (limiter === undefined) return;
  const key = `login:${clientKey(c.req.header("cf-connecting-ip") ?? "unknown")}`;
  const { success } = await limiter.limit({ key });
  if (!success) {
    throw new BffError("rate_limited", "Too many logins from this address; wait a minute.", {
      headers: { "retry-after": "60" },
    });
  }
}

/** IPv4 as is; IPv6 by its /64 (one host usually owns a whole /64). */
export function clientKey(ip: string): string {
  if (!ip.includes(":")) return ip;
  const [head = "", tail = ""] = ip.split("::");
  const left = head === "" ? [] : head.split(":");
  const right = tail === "" ? [] : tail.split(":");
  const groups = ip.includes("::")
    ? [...left, ...Array(Math.max(0, 8 - left.length - right.length)).fill("0"), ...right]
    : left;
  return groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, "").toLowerCase())
    .join(":");
}
