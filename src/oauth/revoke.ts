/** Token revocation (RFC 7009, Mastodon `POST /oauth/revoke`). Best effort: never throws. */

import { isBffError } from "../errors.ts";
import { emit } from "../events.ts";
import { discard, type UpstreamContext } from "../http/upstream.ts";
import { postForm } from "./form.ts";
import type { Registration } from "./registration.ts";

/** True when the instance confirmed the revocation. Failures are logged without the token. */
export async function revokeToken(
  ctx: UpstreamContext,
  registration: Registration,
  token: string,
): Promise<boolean> {
  try {
    const res = await postForm(ctx, registration.endpoints.revoke, {
      client_id: registration.clientId,
      client_secret: registration.clientSecret,
      token,
    });
    await discard(res);
    if (res.status === 200) return true;
    emit(null, { ...failed(registration), reason: "upstream_status", detail: `status ${res.status}` });
  } catch (error) {
    const timeout = isBffError(error) && error.code === "instance_timeout";
    emit(null, {
      ...failed(registration),
      reason: timeout ? "upstream_timeout" : "upstream_network",
      detail: String(error),
    });
  }
  return false;
}

function failed(registration: Registration) {
  return {
    event: "revoke_failed",
    instance: registration.host,
    software: registration.software || null,
    outcome: "failed",
  } as const;
}
