/**
 * Finishing a login whose state matched (RFC 6749 §4.1.2): the instance's answer is checked, the
 * code exchanged server-side with the PKCE verifier, the account looked up, and the result handed
 * to sign-in. Two answers restart the login once instead: an instance that forgot our app, and
 * Akkoma/Pleroma putting a token in the URL for a browser it already knows.
 */

import type { Deps } from "../app/deps.ts";
import type { AppContext } from "../app/types.ts";
import { BffError } from "../errors.ts";
import { type AccountInfo, verifyCredentials } from "../oauth/account.ts";
import { assertIssuer } from "../oauth/issuer.ts";
import type { Registration, RegistrationRequest } from "../oauth/registration.ts";
import { revokeToken } from "../oauth/revoke.ts";
import { exchangeCode, isDeadClient, type TokenSet } from "../oauth/token.ts";
import { isTokenSyntax } from "../oauth/token-syntax.ts";
import { holdToken, revokeUnlessHeld } from "../registry/holding.ts";
import { registrationForClient, replaceRegistration } from "../registry/registry.ts";
import type { LoginTransaction } from "../session/login.ts";
import type { SessionAccount } from "../session/session.ts";
import { lifetimeFields } from "../session/token-life.ts";
import { restartAuthorization } from "./authorize-start.ts";
import { signIn } from "./sign-in.ts";

/** What a code or token in the callback URL may look like: visible ASCII, bounded. */

type Issued = TokenSet;

/** The callback's answer for the login `tx`; every failure is thrown as a BffError. */
export async function finishLogin(
  c: AppContext,
  deps: Deps,
  tx: LoginTransaction,
  query: URLSearchParams,
): Promise<Response> {
  assertNoOAuthError(query.get("error"));
  const registration = await loginRegistration(deps, tx);
  assertIssuer(registration, query);
  if (query.has("access_token")) {
    return tokenInUrl(c, deps, tx, registration, query.get("access_token") ?? "");
  }
  const issued = await exchangeOrRestart(c, deps, tx, registration, callbackCode(query));
  if (issued instanceof Response) return issued;
  return signIn(c, deps, tx, await sessionAccount(c, deps, tx, registration, issued));
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

function registrationRequestOf(tx: LoginTransaction): RegistrationRequest {
  return { host: tx.host, origin: tx.origin, redirectUri: tx.redirectUri, scopes: tx.scopes };
}

/** The exact client this login was started with. */
async function loginRegistration(deps: Deps, tx: LoginTransaction): Promise<Registration> {
  const registration = await registrationForClient(deps.registry, registrationRequestOf(tx), tx.clientId);
  if (registration === null) {
    throw new BffError("login_expired", "The login can no longer be completed; start again.");
  }
  return registration;
}

function callbackCode(query: URLSearchParams): string {
  const code = query.get("code") ?? "";
  if (!isTokenSyntax(code)) {
    throw new BffError("invalid_callback", "The sign-in answer carries no code.");
  }
  return code;
}

/** The token for `code`; or, when the instance forgot our app, the login restarted with a new one. */
async function exchangeOrRestart(
  c: AppContext,
  deps: Deps,
  tx: LoginTransaction,
  registration: Registration,
  code: string,
): Promise<Issued | Response> {
  try {
    return await exchangeCode(deps.upstream, registration, code, tx.verifier);
  } catch (failure) {
    // A retried login whose fresh app is refused too ends here (token_exchange_failed), never a loop.
    if (!isDeadClient(failure) || tx.retried) throw failure;
    // The instance forgot our app (deleted by an admin, database lost): register again, once.
    const fresh = await replaceRegistration(deps.registry, registrationRequestOf(tx), tx.clientId);
    return restartAuthorization(c, tx, fresh, tx.forceLogin);
  }
}

/** The account the token belongs to, as the session will hold it. */
async function sessionAccount(
  c: AppContext,
  deps: Deps,
  tx: LoginTransaction,
  registration: Registration,
  issued: Issued,
): Promise<SessionAccount> {
  const { accessToken, scope } = issued;
  const holder = await holdToken(deps.registry, registration, accessToken, deps.config.sessionTtl);
  let account: AccountInfo;
  try {
    account = await verifyCredentials(deps.upstream, tx.origin, accessToken);
  } catch (failure) {
    // No session will hold the token: revoke it, unless another session holds it (Mastodon reuses tokens).
    c.executionCtx.waitUntil(
      revokeUnlessHeld(deps.upstream, deps.registry, registration, accessToken, holder),
    );
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

/** Akkoma/Pleroma put a token in the URL for a known browser: revoke it and retry with force_login. */
function tokenInUrl(
  c: AppContext,
  deps: Deps,
  tx: LoginTransaction,
  registration: Registration,
  token: string,
): Promise<Response> {
  if (isTokenSyntax(token)) c.executionCtx.waitUntil(revokeToken(deps.upstream, registration, token));
  if (tx.retried || tx.forceLogin) {
    throw new BffError("invalid_callback", "The instance sent a token in the URL; it was revoked.");
  }
  return restartAuthorization(c, tx, registration, true);
}
