/**
 * App tokens (`grant_type=client_credentials`, scope `read`): some instances require a token even
 * for public endpoints. GoToSocial requires `redirect_uri` here and returns `expires_in: 7200`;
 * Mastodon's app tokens do not expire.
 */
import { BffError } from "../errors.ts";
import { asRecord, discard, readJson, type UpstreamContext } from "../http/upstream.ts";
import { postForm } from "./form.ts";
import type { Registration } from "./registration.ts";
import { oauthErrorCode } from "./token.ts";
import { isTokenSyntax } from "./token-syntax.ts";

export interface AppToken {
  readonly token: string;
  /** Seconds since epoch. */
  readonly expiresAt: number;
}

/**
 * Tokens without an expiry (Mastodon's) are renewed after this long anyway; a token an admin
 * revoked sooner is renewed when an instance rejects it.
 */
const DEFAULT_LIFETIME = 30 * 86_400;

/** What the instance says of a client when asked for an app token. */
export type AppTokenGrant =
  | { readonly status: "alive"; readonly token: AppToken }
  | { readonly status: "dead" }
  | { readonly status: "unknown"; readonly detail: string };

/**
 * `error` values that, for a client_credentials grant (no code, no user: only the client's own
 * credentials are in it), mean the instance no longer knows the client: Doorkeeper (Mastodon)
 * and GoToSocial say `invalid_client`, Pleroma/Akkoma "Invalid credentials".
 */
const UNKNOWN_CLIENT_ERRORS = new Set(["invalid_client", "Invalid credentials"]);

/**
 * Asks for an app token, which also tells whether the instance still knows the client. The token
 * is the caller's to keep: it is never revoked here (on some servers a revoke deletes the app).
 * A 401 means an unknown client whatever its body (RFC 6749 §5.2; snac sends none).
 */
export async function grantAppToken(
  ctx: UpstreamContext,
  registration: Registration,
  now: number,
): Promise<AppTokenGrant> {
  let res: Response;
  try {
    res = await clientCredentialsGrant(ctx, registration);
  } catch (error) {
    return { status: "unknown", detail: String(error) };
  }
  if (res.status === 200) {
    try {
      return { status: "alive", token: await appTokenFrom(res, registration, now) };
    } catch (error) {
      return { status: "unknown", detail: String(error) };
    }
  }
  if (res.status === 401) {
    await discard(res);
    return { status: "dead" };
  }
  if (res.status !== 400) {
    await discard(res);
    return { status: "unknown", detail: `client_credentials answered ${res.status}` };
  }
  const error = await oauthErrorCode(res);
  if (error !== null && UNKNOWN_CLIENT_ERRORS.has(error)) return { status: "dead" };
  return { status: "unknown", detail: `client_credentials answered 400 ${error ?? ""}` };
}

/** `POST token` with `grant_type=client_credentials`, scope `read`. */
function clientCredentialsGrant(ctx: UpstreamContext, registration: Registration): Promise<Response> {
  return postForm(ctx, registration.endpoints.token, {
    grant_type: "client_credentials",
    client_id: registration.clientId,
    client_secret: registration.clientSecret,
    redirect_uri: registration.redirectUri,
    scope: "read",
  });
}

async function appTokenFrom(res: Response, registration: Registration, now: number): Promise<AppToken> {
  const record = asRecord(await readJson(res, "token_exchange_failed")) ?? {};
  const token = record.access_token;
  if (!isTokenSyntax(token)) {
    throw new BffError("token_exchange_failed", `${registration.host} did not grant an app token.`, {
      internal: "client_credentials without access_token",
    });
  }
  const expiresIn =
    typeof record.expires_in === "number" && record.expires_in > 0 ? record.expires_in : DEFAULT_LIFETIME;
  // Renew a minute early so a token never expires in flight.
  return { token, expiresAt: now + Math.min(expiresIn, DEFAULT_LIFETIME) - 60 };
}
