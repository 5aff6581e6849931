/** The authorization request URL (RFC 6749 §4.1.1 with PKCE, RFC 7636 §4.3). */
import type { Registration } from "./registration.ts";

export interface AuthorizeParams {
  readonly state: string;
  readonly codeChallenge: string;
  readonly forceLogin: boolean;
}

export function authorizeUrl(registration: Registration, params: AuthorizeParams): string {
  const url = new URL(registration.endpoints.authorize);
  url.searchParams.set("client_id", registration.clientId);
  url.searchParams.set("redirect_uri", registration.redirectUri);
  url.searchParams.set("response_type", "code");
  url.searchParams.set("scope", registration.scopes);
  url.searchParams.set("state", params.state);
  url.searchParams.set("code_challenge", params.codeChallenge);
  url.searchParams.set("code_challenge_method", "S256");
  // Only where needed: on Mastodon it makes users type their password and 2FA again.
  if (params.forceLogin) url.searchParams.set("force_login", "true");
  return url.href;
}
