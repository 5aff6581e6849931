/**
 * Finishing a login whose state matched and whose answer arrived on its own callback (RFC 6749
 * §4.1.2): the issuer and the instance's answer are checked, the code exchanged server-side with
 * the PKCE verifier, the account looked up, and the result handed to sign-in. Two answers restart
 * the login once instead: an instance that forgot our app, and Akkoma/Pleroma putting a token in
 * the URL for a browser it already knows.
 */

import { loginRedirectUri } from "../../app/deps.ts";
import { BffError } from "../../errors.ts";
import { requestClientKey } from "../../http/rate-limit.ts";
import { type AccountInfo, verifyCredentials } from "../../oauth/account.ts";
import { assertIssuer } from "../../oauth/issuer.ts";
import type { Registration, RegistrationRequest } from "../../oauth/registration.ts";
import { revokeToken } from "../../oauth/revoke.ts";
import { exchangeCode, isDeadClient, type TokenSet } from "../../oauth/token.ts";
import { isTokenSyntax } from "../../oauth/token-syntax.ts";
import { holdToken, revokeUnlessHeld } from "../../registry/holding.ts";
import { registrationForClient, replaceRegistration } from "../../registry/registry.ts";
import { loginCompleted } from "../../session/login-events.ts";
import type { SessionAccount } from "../../session/session.ts";
import { remainingLifetime } from "../../session/store.ts";
import { lifetimeFields } from "../../session/token-life.ts";
import { restartAuthorization } from "../login/authorize.ts";
import type { LoginTransaction } from "../login/transaction.ts";
import type { AuthRequest } from "../request.ts";
import { signIn } from "./sign-in.ts";

type Issued = TokenSet;

/** The callback's answer for the login `tx`; every failure is thrown as a BffError. */
export async function finishLogin(req: AuthRequest, tx: LoginTransaction): Promise<Response> {
  const query = req.url.searchParams;
  const registration = await loginRegistration(req, tx);
  // RFC 9207 §2.4: `iss` is checked first, on error responses too.
  assertIssuer(registration, query);
  assertNoOAuthError(query.get("error"));
  if (query.has("access_token")) {
    return tokenInUrl(req, tx, registration, query.get("access_token") ?? "");
  }
  const issued = await exchangeOrRestart(req, tx, registration, callbackCode(query));
  if (issued instanceof Response) return issued;
  return loginCompleted(
    req.raw,
    tx,
    registration,
    await signIn(req, tx, await sessionAccount(req, tx, registration, issued)),
  );
}

/** The instance's OAuth error response (RFC 6749 §4.1.2.1), as ours. */
function assertNoOAuthError(error: string | null): void {
  if (error === null) return;
  throw error === "access_denied"
    ? new BffError("access_denied", "The sign-in was cancelled on the instance.")
    : new BffError("authorization_failed", "The instance refused the sign-in.", {
        internal: error.slice(0, 100),
      });
}

function registrationRequestOf(req: AuthRequest, tx: LoginTransaction): RegistrationRequest {
  const redirectUri = loginRedirectUri(req.deps, tx);
  // A per-login server's new app for a restarted login counts in this client's share too.
  const client = requestClientKey(req.raw, req.deps.config.trustedProxies);
  return { host: tx.host, origin: tx.origin, redirectUri, scopes: tx.scopes, client };
}

/** The exact client this login was started with. */
async function loginRegistration(req: AuthRequest, tx: LoginTransaction): Promise<Registration> {
  const request = registrationRequestOf(req, tx);
  const registration = await registrationForClient(req.deps.registry, request, tx.clientId);
  if (registration === null) {
    throw new BffError("login_expired", "The login can no longer be completed; start again.");
  }
  return registration;
}

/** What a code in the callback URL may look like: visible ASCII, bounded. */
function callbackCode(query: URLSearchParams): string {
  const code = query.get("code") ?? "";
  if (!isTokenSyntax(code)) {
    throw new BffError("invalid_callback", "The sign-in answer carries no code.");
  }
  return code;
}

/** The token for `code`; or, when the instance forgot our app, the login restarted with a new one. */
async function exchangeOrRestart(
  req: AuthRequest,
  tx: LoginTransaction,
  registration: Registration,
  code: string,
): Promise<Issued | Response> {
  try {
    return await exchangeCode(req.deps.upstream, registration, code, tx.verifier);
  } catch (failure) {
    // A retried login whose fresh app is refused too ends here (token_exchange_failed), never a loop.
    if (!isDeadClient(failure) || tx.retried) throw failure;
    // The instance forgot our app (deleted by an admin, database lost): register again, once.
    const request = registrationRequestOf(req, tx);
    const fresh = await replaceRegistration(req.deps.registry, request, tx.clientId);
    return restartAuthorization(req, tx, fresh, tx.forceLogin);
  }
}

/** The account the token belongs to, as the session will hold it. */
async function sessionAccount(
  req: AuthRequest,
  tx: LoginTransaction,
  registration: Registration,
  issued: Issued,
): Promise<SessionAccount> {
  const { accessToken, scope } = issued;
  const { upstream, registry, config } = req.deps;
  // Held for as long as the session it joins can last (its lifetime runs from its first sign-in).
  const session = await req.session();
  const ttl = session === null ? config.sessionTtl : remainingLifetime(session);
  const holder = await holdToken(registry, registration, accessToken, ttl);
  let account: AccountInfo;
  try {
    account = await verifyCredentials(upstream, tx.origin, accessToken);
  } catch (failure) {
    // No session will hold the token: revoke it, unless another session holds it (Mastodon reuses tokens).
    req.waitUntil(revokeUnlessHeld(upstream, registry, registration, accessToken, holder));
    throw failure;
  }
  return {
    holder,
    instance: tx.host,
    origin: tx.origin,
    token: accessToken,
    scope,
    clientId: registration.clientId,
    ...account,
    streaming: registration.streaming,
    ...lifetimeFields(issued),
  };
}

/**
 * Akkoma/Pleroma put a token in the URL for a known browser: revoke it and retry with force_login.
 * Its provenance is proven before this runs: it arrived on this instance's own callback, with
 * this login's state and a matching `iss` where sent (callback.ts, assertIssuer).
 */
function tokenInUrl(
  req: AuthRequest,
  tx: LoginTransaction,
  registration: Registration,
  token: string,
): Promise<Response> {
  if (isTokenSyntax(token)) req.waitUntil(revokeToken(req.deps.upstream, registration, token));
  if (tx.retried || tx.forceLogin) {
    throw new BffError("invalid_callback", "The instance sent a token in the URL; it was revoked.");
  }
  return restartAuthorization(req, tx, registration, true);
}
