/**
 * The app token that anchors a registration (src/registry/keeping.ts): minted with a
 * client_credentials grant, whose answer also says whether the instance still knows the client,
 * and kept sealed in the Durable Object. It also serves the public proxy as the app token.
 */
import { nowSeconds } from "../clock.ts";
import { open, seal } from "../crypto/seal.ts";
import { emit } from "../events.ts";
import { grantAppToken } from "../oauth/client-credentials.ts";
import type { Registration } from "../oauth/registration.ts";
import { revokeToken } from "../oauth/revoke.ts";
import { configOf, eventPlace, keyRingOf, type RegistrarScope, upstreamContext } from "./scope.ts";
import { recordCheck } from "./stats.ts";
import { doAppTokenKey, doCheckedKey } from "./storage-keys.ts";

/** The app token that anchors a registration (and serves the public proxy). */
export interface Anchor {
  readonly token: string;
  readonly expiresAt: number;
  readonly clientId: string;
  readonly mintedAt: number;
}

/** What an app-token grant showed of the client. */
export type ClientStatus = "alive" | "dead" | "unknown";

/** An anchor stays readable this long after its renewal date, so it can be revoked once replaced. */
const ANCHOR_GRACE = 7 * 86_400;

/** The anchor of `registration`, if one is stored whose renewal date is after `notBefore`. */
export async function readAnchor(
  scope: RegistrarScope,
  fp: string,
  registration: Registration,
  notBefore: number,
): Promise<Anchor | null> {
  const sealed = await scope.state.storage.get<string>(doAppTokenKey(fp));
  if (sealed === undefined) return null;
  const payload = await open(sealed, "app", await keyRingOf(scope));
  if (payload === null) return null;
  const { token, expiresAt, clientId, mintedAt } = payload;
  if (typeof token !== "string" || typeof expiresAt !== "number" || typeof mintedAt !== "number") return null;
  if (clientId !== registration.clientId || expiresAt <= notBefore) return null;
  return { token, expiresAt, clientId, mintedAt };
}

/** The sealed anchor as stored, for the Worker to open; undefined when there is none. */
export function sealedAnchor(scope: RegistrarScope, fp: string): Promise<string | undefined> {
  return scope.state.storage.get<string>(doAppTokenKey(fp));
}

/** When the registration of `fp` was last checked with the instance (seconds), or undefined. */
export function checkedAt(scope: RegistrarScope, fp: string): Promise<number | undefined> {
  return scope.state.storage.get<number>(doCheckedKey(fp));
}

/**
 * Asks the instance for an app token for `registration`: the answer says whether the client is
 * alive, and the token becomes its anchor. The anchor it replaces is revoked (on these servers a
 * revoke deletes only the token, and the new one keeps the app).
 */
export async function mintAnchor(
  scope: RegistrarScope,
  fp: string,
  registration: Registration,
): Promise<ClientStatus> {
  const now = nowSeconds();
  await scope.state.storage.put(doCheckedKey(fp), now);
  const ctx = upstreamContext(configOf(scope));
  const grant = await grantAppToken(ctx, registration, now);
  const detail = grant.status === "unknown" ? grant.detail.slice(0, 200) : undefined;
  emit(eventPlace(scope), {
    event: "client_checked",
    instance: registration.host,
    software: registration.software || null,
    outcome: grant.status === "unknown" ? "failed" : "ok",
    reason: `client_${grant.status}`,
    ...(detail === undefined ? {} : { detail }),
  });
  await recordCheck(scope, fp, grant.status);
  if (grant.status !== "alive") return grant.status;
  const previous = await readAnchor(scope, fp, registration, now - ANCHOR_GRACE);
  const anchor: Anchor = { ...grant.token, clientId: registration.clientId, mintedAt: now };
  const ttl = Math.max(60, anchor.expiresAt - now) + ANCHOR_GRACE;
  const sealed = await seal({ ...anchor }, "app", await keyRingOf(scope), ttl);
  await scope.state.storage.put(doAppTokenKey(fp), sealed);
  if (previous !== null && previous.token !== anchor.token) {
    scope.state.waitUntil(revokeToken(ctx, registration, previous.token));
  }
  return "alive";
}
