/**
 * The Worker's side of app tokens: memoized per isolate (no storage call per public request),
 * fetched from the instance's Durable Object on a miss or when the instance rejected one.
 */

import { nowSeconds } from "../clock.ts";
import type { RegistrarResult } from "../config/registrar-rpc.ts";
import { open } from "../crypto/seal.ts";
import { BffError } from "../errors.ts";
import type { RegistrationRequest } from "../oauth/registration.ts";
import { callRegistrar, sealedOf } from "./registrar-call.ts";
import type { RegistryDeps } from "./registry.ts";

const MEMO_LIMIT = 500;
const memo = new Map<string, { token: string; expiresAt: number }>();

/**
 * The memo's key: one app per (redirect_uri, scopes) on a host, so two handlers in one isolate
 * (their own PUBLIC_URL each) never use each other's app token.
 */
function memoKey(req: RegistrationRequest): string {
  return `${req.host}\n${req.redirectUri}\n${req.scopes}`;
}

/** Whether this isolate holds a usable app token for `req`'s app (no storage call needed). */
export function hasAppToken(req: RegistrationRequest): boolean {
  const known = memo.get(memoKey(req));
  return known !== undefined && known.expiresAt > nowSeconds();
}

/** A valid app token for `req.host`; pass the token the instance just rejected to force a new one. */
export async function appTokenFor(
  deps: RegistryDeps,
  req: RegistrationRequest,
  rejected: string | null = null,
): Promise<string> {
  const key = memoKey(req);
  const known = memo.get(key);
  if (known !== undefined && known.token !== rejected && known.expiresAt > nowSeconds()) return known.token;
  memo.delete(key);
  const result = await callRegistrar<RegistrarResult>(deps.registrar, req.host, (stub) =>
    stub.appToken(req, rejected, deps.settings),
  );
  const payload = await open(sealedOf(result), "app", deps.ring);
  const token = payload?.token;
  const expiresAt = payload?.expiresAt;
  if (typeof token !== "string" || typeof expiresAt !== "number") {
    throw new BffError("internal_error", "The app token could not be read.");
  }
  if (memo.size >= MEMO_LIMIT) memo.delete(memo.keys().next().value as string);
  memo.set(key, { token, expiresAt });
  return token;
}
