/**
 * App tokens (`grant_type=client_credentials`, scope `read`): some instances require a token even
 * for public endpoints. GoToSocial requires `redirect_uri` here and returns `expires_in: 7200`;
 * Mastodon's app tokens do not expire.
 */
import { BffError } from "../errors.ts";
import { discard, readJson, type UpstreamContext, upstreamFetch } from "../http/upstream.ts";
import type { Registration } from "../instance/registration.ts";
import { revokeToken } from "./revoke.ts";
import { oauthErrorCode } from "./token.ts";

export interface AppToken {
  readonly token: string;
  /** Seconds since epoch. */
  readonly expiresAt: number;
}

/** Tokens without an expiry are renewed after a day anyway (an admin may revoke them). */
const DEFAULT_LIFETIME = 86_400;

export async function requestAppToken(
  ctx: UpstreamContext,
  registration: Registration,
  now: number,
): Promise<AppToken> {
  const res = await clientCredentialsGrant(ctx, registration);
  if (res.status !== 200) {
    await discard(res);
    throw new BffError("token_exchange_failed", `${registration.host} did not grant an app token.`, {
      internal: `client_credentials answered ${res.status}`,
    });
  }
  return appTokenFrom(res, registration, now);
}

/** What the instance says of a client: it exists, it does not, or the answer proves nothing. */
export type ClientStatus = "alive" | "dead" | "unknown";

/**
 * `error` values that, for a client_credentials grant (no code, no user: only the client's own
 * credentials are in it), mean the instance no longer knows the client: Doorkeeper (Mastodon)
 * and GoToSocial say `invalid_client`, Pleroma/Akkoma "Invalid credentials".
 */
const UNKNOWN_CLIENT_ERRORS = new Set(["invalid_client", "Invalid credentials"]);

/**
 * Asks the instance whether `registration` still exists, with a client_credentials grant; the
 * token it may grant is revoked at once. For instances that report a deleted app only on their
 * own authorize page (GoToSocial), where the BFF never sees it.
 */
export async function probeClient(ctx: UpstreamContext, registration: Registration): Promise<ClientStatus> {
  let res: Response;
  try {
    res = await clientCredentialsGrant(ctx, registration);
  } catch {
    return "unknown";
  }
  if (res.status === 200) {
    try {
      const { token } = await appTokenFrom(res, registration, 0);
      await revokeToken(ctx, registration, token);
    } catch {
      // Granted but unreadable: the client exists all the same.
    }
    return "alive";
  }
  if (res.status !== 400 && res.status !== 401) {
    await discard(res);
    return "unknown";
  }
  const error = await oauthErrorCode(res);
  return error !== null && UNKNOWN_CLIENT_ERRORS.has(error) ? "dead" : "unknown";
}

/** `POST token` with `grant_type=client_credentials`, scope `read`. */
function clientCredentialsGrant(ctx: UpstreamContext, registration: Registration): Promise<Response> {
  const body = new URLSearchParams({
    grant_type: "client_credentials",
    client_id: registration.clientId,
    client_secret: registration.clientSecret,
    redirect_uri: registration.redirectUri,
    scope: "read",
  });
  return upstreamFetch(ctx, registration.endpoints.token, {
    method: "POST",
    headers: { accept: "application/json" },
    body,
  });
}

async function appTokenFrom(res: Response, registration: Registration, now: number): Promise<AppToken> {
  const json = await readJson(res, "token_exchange_failed");
  const record = typeof json === "object" && json !== null ? (json as Record<string, unknown>) : {};
  const token = record.access_token;
  if (typeof token !== "string" || !/^[\x21-\x7e]{1,1024}$/.test(token)) {
    throw new BffError("token_exchange_failed", `${registration.host} did not grant an app token.`, {
      internal: "client_credentials without access_token",
    });
  }
  const expiresIn =
    typeof record.expires_in === "number" && record.expires_in > 0 ? record.expires_in : DEFAULT_LIFETIME;
  // Renew a minute early so a token never expires in flight.
  return { token, expiresAt: now + Math.min(expiresIn, DEFAULT_LIFETIME) - 60 };
}
