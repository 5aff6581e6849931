/**
 * The authorization-code exchange at the token endpoint, server-side (the client_secret and the
 * token never reach the browser). Form-encoded; no `scope` parameter (Mastodon ignores it and at
 * least one server rejects it).
 */
import { BffError } from "../errors.ts";
import { asRecord, discard, readJson, type UpstreamContext } from "../http/upstream.ts";
import { postForm } from "./form.ts";
import type { Registration } from "./registration.ts";
import { isTokenSyntax } from "./token-syntax.ts";

export interface TokenSet {
  readonly accessToken: string;
  readonly scope: string;
  /** `expires_in` (RFC 6749 §5.1) when the server sent a positive number of seconds. */
  readonly expiresIn?: number;
  /** `refresh_token` (RFC 6749 §5.1, §6) when the server sent one of token syntax. */
  readonly refreshToken?: string;
}

/** POSTs the code with its PKCE verifier (RFC 6749 §4.1.3, RFC 7636 §4.5) and checks the answer. */
export async function exchangeCode(
  ctx: UpstreamContext,
  registration: Registration,
  code: string,
  codeVerifier: string,
): Promise<TokenSet> {
  const res = await postForm(ctx, registration.endpoints.token, {
    grant_type: "authorization_code",
    code,
    client_id: registration.clientId,
    client_secret: registration.clientSecret,
    redirect_uri: registration.redirectUri,
    code_verifier: codeVerifier,
  });
  return processTokenResponse(res, registration);
}

/**
 * 2xx with a bearer token, or a named failure. A dead client is a `token_exchange_failed` with
 * reason `dead_client` (see `isDeadClient`): any 401 (RFC 6749 §5.2 reserves it for client
 * authentication; snac answers a deleted client with 401 and no body) and a 400 `invalid_client`
 * (GoToSocial).
 */
export async function processTokenResponse(res: Response, registration: Registration): Promise<TokenSet> {
  if (res.status === 401) {
    await discard(res);
    throw deadClient(`${registration.host} no longer knows the client (401)`);
  }
  if (res.status === 400) {
    const error = await oauthErrorCode(res);
    if (error === "invalid_client") throw deadClient(`${registration.host} no longer knows the client`);
    throw exchangeFailed(registration.host, `token endpoint ${res.status} ${error ?? ""}`);
  }
  if (res.status !== 200) {
    await discard(res);
    throw exchangeFailed(registration.host, `token endpoint answered ${res.status}`);
  }
  const record = asRecord(await readJson(res, "token_exchange_failed")) ?? {};
  const { access_token: accessToken, token_type: tokenType, scope, expires_in, refresh_token } = record;
  if (!isTokenSyntax(accessToken)) {
    throw exchangeFailed(registration.host, "no usable access_token in the token response");
  }
  if (typeof tokenType === "string" && tokenType.toLowerCase() !== "bearer") {
    throw exchangeFailed(registration.host, "token_type is not Bearer");
  }
  return {
    accessToken,
    scope: typeof scope === "string" ? scope.slice(0, 512) : registration.scopes,
    ...lifetimeOf(expires_in, refresh_token),
  };
}

/** The token's lifetime fields, each kept only when it is well-formed (anything else: absent). */
function lifetimeOf(expiresIn: unknown, refreshToken: unknown): Pick<TokenSet, "expiresIn" | "refreshToken"> {
  const out: { expiresIn?: number; refreshToken?: string } = {};
  if (typeof expiresIn === "number" && Number.isFinite(expiresIn) && expiresIn > 0) out.expiresIn = expiresIn;
  if (isTokenSyntax(refreshToken)) out.refreshToken = refreshToken;
  return out;
}

/** Whether `failure` says the instance no longer knows the client: its registration must be replaced. */
export function isDeadClient(failure: unknown): failure is BffError {
  return failure instanceof BffError && failure.reason === "dead_client";
}

/** The `error` field of an OAuth error body (RFC 6749 §5.2), or null. */
export async function oauthErrorCode(res: Response): Promise<string | null> {
  try {
    const error = asRecord(await readJson(res, "token_exchange_failed", 16 * 1024))?.error;
    return typeof error === "string" ? error.slice(0, 100) : null;
  } catch {
    return null;
  }
}

function deadClient(internal: string): BffError {
  return new BffError("token_exchange_failed", "The instance does not know this app; please try again.", {
    internal,
    reason: "dead_client",
  });
}

function exchangeFailed(host: string, internal: string): BffError {
  return new BffError("token_exchange_failed", `${host} did not accept the sign-in; please try again.`, {
    internal,
  });
}
