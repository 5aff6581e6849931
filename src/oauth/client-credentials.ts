/**
 * App tokens (`grant_type=client_credentials`, scope `read`): some instances require a token even
 * for public endpoints. GoToSocial requires `redirect_uri` here and returns `expires_in: 7200`;
 * Mastodon's app tokens do not expire.
 */
import { BffError } from "../errors.ts";
import { discard, readJson, type UpstreamContext, upstreamFetch } from "../http/upstream.ts";
import type { Registration } from "../instance/registration.ts";

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
  const body = new URLSearchParams({
    grant_type: "client_credentials",
    client_id: registration.clientId,
    client_secret: registration.clientSecret,
    redirect_uri: registration.redirectUri,
    scope: "read",
  });
  const res = await upstreamFetch(ctx, registration.endpoints.token, {
    method: "POST",
    headers: { accept: "application/json" },
    body,
  });
  if (res.status !== 200) {
    await discard(res);
    throw new BffError("token_exchange_failed", `${registration.host} did not grant an app token.`, {
      internal: `client_credentials answered ${res.status}`,
    });
  }
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
