/**
 * The Worker's side of token holdings (src/registry/token-holders.ts): a sign-in records that its
 * session holds the token, a logout releases it and revokes the token upstream only when no other
 * session of this fedi-bff still holds it (Mastodon hands the same user the same live token on
 * every device). The registrar sees only a keyed hash of the token, keyed with the app's
 * client_secret: the same token of the same app always gives the same hash, and the stored hash
 * reveals nothing without the sealed registration.
 */
import { base64url } from "jose";
import { nowSeconds } from "../clock.ts";
import { seal } from "../crypto/seal.ts";
import type { UpstreamContext } from "../http/upstream.ts";
import { log } from "../log.ts";
import { randomToken } from "../oauth/pkce.ts";
import type { Registration } from "../oauth/registration.ts";
import { revoke } from "../oauth/revoke.ts";
import { callRegistrar } from "./registrar-call.ts";
import type { RegistryDeps } from "./registry.ts";

const encoder = new TextEncoder();

/** base64url(HMAC-SHA-256(client_secret, token))[0..16 bytes]: the token as the registrar keeps it. */
export async function tokenHash(registration: Registration, token: string): Promise<string> {
  const key = await crypto.subtle.importKey(
    "raw",
    encoder.encode(registration.clientSecret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(`holder\n${token}`)));
  return base64url.encode(mac.slice(0, 16));
}

/**
 * Records a new session holding `token` for `ttl` seconds (as long as that session can last); returns the holding's id,
 * which the session cookie carries. A registrar that cannot be reached is logged, not fatal: the
 * sign-in goes on, and this session's logout then counts only the holdings that were recorded.
 */
export async function holdToken(
  registry: RegistryDeps,
  registration: Registration,
  token: string,
  ttl: number,
): Promise<string> {
  const holder = randomToken().slice(0, 16);
  await recordHolding(registry, registration, token, holder, ttl);
  return holder;
}

/** Records `holder`'s hold on `token` until `ttl` seconds from now; failures are logged. */
async function recordHolding(
  registry: RegistryDeps,
  registration: Registration,
  token: string,
  holder: string,
  ttl: number,
): Promise<void> {
  try {
    const hash = await tokenHash(registration, token);
    const until = nowSeconds() + ttl;
    await callRegistrar(registry.registrar, registration.host, (stub) =>
      stub.holdToken(hash, holder, until, registration.clientId),
    );
  } catch (error) {
    log("warn", "holding_failed", { host: registration.host, internal: `hold: ${String(error)}` });
  }
}

/**
 * Releases one session's hold on `token`: true when no other session holds it any more, so it may
 * be revoked. When the registrar cannot say, false: a token left live upstream is better than
 * signing out another device.
 */
export async function releaseToken(
  registry: RegistryDeps,
  registration: Registration,
  token: string,
  holder: string | undefined,
): Promise<boolean> {
  try {
    const hash = await tokenHash(registration, token);
    return await callRegistrar<boolean>(registry.registrar, registration.host, (stub) =>
      stub.releaseToken(hash, holder, registration.clientId),
    );
  } catch (error) {
    log("warn", "holding_failed", { host: registration.host, internal: `release: ${String(error)}` });
    return false;
  }
}

/**
 * What became of a session's token at logout: `revoked`; `kept` (another session holds it, or the
 * instance refused: nothing more to do); `retrying` (the revoke failed and the Registrar tries
 * again later); `failed` (it failed and could not be queued).
 */
export type LogoutRevoke = "revoked" | "kept" | "retrying" | "failed";

/** How long a queued revoke's sealed token stays openable: longer than every retry. */
const QUEUED_TOKEN_TTL = 86_400;

/** Releases `holder` and revokes the token upstream if it was the last one holding it. */
export async function revokeUnlessHeld(
  upstream: UpstreamContext,
  registry: RegistryDeps,
  registration: Registration,
  token: string,
  holder: string | undefined,
): Promise<LogoutRevoke> {
  if (!(await releaseToken(registry, registration, token, holder))) return "kept";
  const outcome = await revoke(upstream, registration, token);
  if (outcome === "revoked") return "revoked";
  if (outcome === "refused") return "kept";
  return (await queueRevoke(registry, registration, token)) ? "retrying" : "failed";
}

/** Hands a revoke that failed to the instance's Registrar, which tries again later. */
async function queueRevoke(
  registry: RegistryDeps,
  registration: Registration,
  token: string,
): Promise<boolean> {
  try {
    const sealed = await seal({ token }, "app", registry.ring, QUEUED_TOKEN_TTL);
    return await callRegistrar<boolean>(registry.registrar, registration.host, (stub) =>
      stub.queueRevoke(registration.host, sealed, registration.clientId, registry.settings),
    );
  } catch (error) {
    log("warn", "revoke_failed", { host: registration.host, internal: `not queued: ${String(error)}` });
    return false;
  }
}
