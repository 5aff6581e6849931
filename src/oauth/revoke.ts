/** Token revocation (RFC 7009, Mastodon `POST /oauth/revoke`). Best effort: never throws. */

import { isBffError } from "../errors.ts";
import { emit } from "../events.ts";
import { discard, type UpstreamContext } from "../http/upstream.ts";
import { postForm } from "./form.ts";
import type { Registration } from "./registration.ts";

/**
 * How a revocation went: `revoked` (200), `refused` (the instance answered no: trying again would
 * not change it), or `failed` (no answer, a timeout, 429 or a 5xx: worth another try later).
 */
export type RevokeOutcome = "revoked" | "refused" | "failed";

/** Revokes `token`; failures are logged without the token. */
export async function revoke(
  ctx: UpstreamContext,
  registration: Registration,
  token: string,
): Promise<RevokeOutcome> {
  try {
    const res = await postForm(ctx, registration.endpoints.revoke, {
      client_id: registration.clientId,
      client_secret: registration.clientSecret,
      token,
    });
    await discard(res);
    if (res.status === 200) return "revoked";
    emit(null, { ...failed(registration), reason: "upstream_status", detail: `status ${res.status}` });
    return res.status === 429 || res.status >= 500 ? "failed" : "refused";
  } catch (error) {
    const timeout = isBffError(error) && error.code === "instance_timeout";
    emit(null, {
      ...failed(registration),
      reason: timeout ? "upstream_timeout" : "upstream_network",
      detail: String(error),
    });
    return "failed";
  }
}

/** True when the instance confirmed the revocation. */
export async function revokeToken(
  ctx: UpstreamContext,
  registration: Registration,
  token: string,
): Promise<boolean> {
  return (await revoke(ctx, registration, token)) === "revoked";
}

function failed(registration: Registration) {
  return {
    event: "revoke_failed",
    instance: registration.host,
    software: registration.software || null,
    outcome: "failed",
  } as const;
}
