/**
 * The authorization-code exchange at the token endpoint, server-side (the client_secret and the
 * token never reach the browser). Form-encoded; no `scope` parameter (Mastodon ignores it and at
 * least one server rejects it).
 */
import { BffError } from "../errors.ts";
import { discard, readJson, type UpstreamContext, upstreamFetch } from "../http/upstream.ts";
import type { Registration } from "./registration.ts";

export interface TokenSet {
  readonly accessToken: string;
  readonly scope: string;
}

/** Thrown when the instance no longer knows the client: the registration must be replaced. */
export class DeadClientError extends Error {
  override readonly name = "DeadClientError";
}

export async function exchangeCode(
  ctx: UpstreamContext,
  registration: Registration,
  code: string,
  codeVerifier: string,
): Promise<TokenSet> {
  const body = new URLSearchParams({
    grant_type: "authorization_code",
    code,
    client_id: registration.clientId,
    client_secret: registration.clientSecret,
    redirect_uri: registration.redirectUri,
    code_verifier: codeVerifier,
  });
  const res = await upstreamFetch(ctx, registration.endpoints.token, {
    method: "POST",
    headers: { accept: "application/json" },
    body,
  });
  return processTokenResponse(res, registration);
}

/**
 * 2xx with a bearer token, or a named failure. A dead client → DeadClientError: any 401 (RFC 6749
 * §5.2 reserves it for client authentication; snac answers a deleted client with 401 and no body)
 * and a 400 `invalid_client` (GoToSocial).
 */
export async function processTokenResponse(res: Response, registration: Registration): Promise<TokenSet> {
  if (res.status === 401) {
    await discard(res);
    throw new DeadClientError(`${registration.host} no longer knows the client (401)`);
  }
  if (res.status === 400) {
    const error = await oauthErrorCode(res);
    if (error === "invalid_client")
      throw new DeadClientError(`${registration.host} no longer knows the client`);
    throw exchangeFailed(registration.host, `token endpoint ${res.status} ${error ?? ""}`);
  }
  if (res.status !== 200) {
    await discard(res);
    throw exchangeFailed(registration.host, `token endpoint answered ${res.status}`);
  }
  const json = await readJson(res, "token_exchange_failed");
  const record = typeof json === "object" && json !== null ? (json as Record<string, unknown>) : {};
  const { access_token: accessToken, token_type: tokenType, scope } = record;
  if (typeof accessToken !== "string" || !/^[\x21-\x7e]{1,1024}$/.test(accessToken)) {
    throw exchangeFailed(registration.host, "no usable access_token in the token response");
  }
  if (typeof tokenType === "string" && tokenType.toLowerCase() !== "bearer") {
    throw exchangeFailed(registration.host, "token_type is not Bearer");
  }
  return { accessToken, scope: typeof scope === "string" ? scope.slice(0, 512) : registration.scopes };
}

/** The `error` field of an OAuth error body (RFC 6749 §5.2), or null. */
export async function oauthErrorCode(res: Response): Promise<string | null> {
  try {
    const json = await readJson(res, "token_exchange_failed", 16 * 1024);
    const error = typeof json === "object" && json !== null ? (json as Record<string, unknown>).error : null;
    return typeof error === "string" ? error.slice(0, 100) : null;
  } catch {
    return null;
  }
}

function exchangeFailed(host: string, internal: string): BffError {
  return new BffError("token_exchange_failed", `${host} did not accept the sign-in; please try again.`, {
    internal,
  });
}
