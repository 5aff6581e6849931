/**
 * The refresh grant (RFC 6749 §6): a new access token for a refresh token, server-side with the
 * client's credentials. Servers differ in what they hand back: Pixelfed (Laravel Passport) rotates
 * both tokens and revokes the old pair at once; Pleroma/Akkoma issue a new access token and may
 * keep the refresh token. A response without `refresh_token` keeps the old one (RFC 6749 §6).
 */
import { BffError } from "../errors.ts";
import { discard } from "../http/upstream.ts";
import { postForm } from "./form.ts";
import type { Registration } from "./registration.ts";
import { processTokenResponse, type TokenSet } from "./token.ts";

/**
 * POSTs the refresh token. A 400 or 401 means the refresh token (or its client) is no longer
 * accepted: `reauth_required`. Anything else that is not a token is a failed exchange (502).
 */
export async function refreshAccessToken(
  ctx: Parameters<typeof postForm>[0],
  registration: Registration,
  refreshToken: string,
): Promise<TokenSet> {
  const res = await postForm(ctx, registration.endpoints.token, {
    grant_type: "refresh_token",
    refresh_token: refreshToken,
    client_id: registration.clientId,
    client_secret: registration.clientSecret,
  });
  if (res.status === 400 || res.status === 401) {
    await discard(res);
    throw new BffError("reauth_required", `${registration.host} ended this sign-in; sign in again.`, {
      internal: `refresh grant answered ${res.status}`,
    });
  }
  const issued = await processTokenResponse(res, registration);
  return { ...issued, refreshToken: issued.refreshToken ?? refreshToken };
}
