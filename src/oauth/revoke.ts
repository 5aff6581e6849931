/** Token revocation (RFC 7009, Mastodon `POST /oauth/revoke`). Best effort: never throws. */
import { discard, type UpstreamContext } from "../http/upstream.ts";
import { log } from "../log.ts";
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
    log("warn", "revoke_failed", { host: registration.host, status: res.status });
  } catch (error) {
    log("warn", "revoke_failed", { host: registration.host, internal: String(error) });
  }
  return false;
}
