/**
 * How long each server's user tokens live, as their sources set it:
 *
 * - Pixelfed (Laravel Passport, app/Providers/AuthServiceProvider.php): access tokens for
 *   `OAUTH_TOKEN_DAYS` (365) days, refresh tokens for `OAUTH_REFRESH_DAYS` (400). Access tokens
 *   are RS256 JWTs (4096-bit key) of about 975 characters; refresh tokens are defuse-encrypted hex (`def50200…`).
 * - Mitra: `authentication_token_lifetime`, 30 days; no refresh grant.
 * - Pleroma/Akkoma (`config :pleroma, :oauth2, token_expires_in`): 100 years by default, with a
 *   refresh token.
 * - Everyone else: no end, no refresh token.
 */
import { randomBytes } from "node:crypto";
import type { Flavour } from "./flavour.ts";
import type { Token } from "./types.ts";

const DAY = 86_400;

/** Access token lifetime in seconds, and the refresh token's (0: no refresh token). */
const LIFETIMES: Partial<Record<Flavour, { access: number; refresh: number }>> = {
  pixelfed: { access: 365 * DAY, refresh: 400 * DAY },
  mitra: { access: 30 * DAY, refresh: 0 },
  akkoma: { access: 100 * 365 * DAY, refresh: 100 * 365 * DAY },
};

/** What a fresh user token of this flavour carries besides its value. */
export function userTokenLifetime(flavour: Flavour, now: number): Pick<Token, "expiresAt" | "refresh"> {
  const life = LIFETIMES[flavour];
  if (life === undefined) return {};
  if (life.refresh === 0) return { expiresAt: now + life.access };
  return {
    expiresAt: now + life.access,
    refresh: { token: refreshTokenValue(flavour), expiresAt: now + life.refresh, revoked: false },
  };
}

/** `expires_in` for a token response, when the server sends one. */
export function expiresIn(flavour: Flavour, token: Token, now: number): number | undefined {
  if (token.expiresAt === undefined || LIFETIMES[flavour] === undefined) return undefined;
  return Math.max(0, token.expiresAt - now);
}

/** An access token as the server spells it (Pixelfed: a JWT-sized value). */
export function accessTokenValue(flavour: Flavour): string {
  if (flavour === "pixelfed") return `eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.${b64(190)}.${b64(512)}`;
  return b64(32);
}

function refreshTokenValue(flavour: Flavour): string {
  return flavour === "pixelfed" ? `def50200${randomBytes(360).toString("hex")}` : b64(32);
}

const b64 = (bytes: number): string => randomBytes(bytes).toString("base64url");
