/**
 * The Worker's side of a refresh grant: the instance's registrar makes it (once per refresh
 * token, src/registry/refresh.ts) and answers sealed; the result is opened here.
 */
import type { RegistrarResult } from "../config/registrar-rpc.ts";
import { open } from "../crypto/seal.ts";
import { BffError } from "../errors.ts";
import { isTokenSyntax } from "../oauth/token-syntax.ts";
import { callRegistrar } from "./registrar-call.ts";
import type { RegistryDeps } from "./registry.ts";

/** A refreshed token: `issuedAt` is when the grant was made (its `expiresIn` counts from then). */
export interface RefreshedToken {
  readonly accessToken: string;
  readonly expiresIn?: number;
  readonly refreshToken?: string;
  readonly issuedAt: number;
}

/** Refreshes the token of a session account of `host` (throws BffError: `reauth_required` when refused). */
export async function refreshThroughRegistrar(
  deps: RegistryDeps,
  account: { readonly instance: string; readonly clientId: string; readonly refreshToken: string },
): Promise<RefreshedToken> {
  const result = await callRegistrar<RegistrarResult>(deps.registrar, account.instance, (stub) =>
    stub.refresh(account.clientId, account.refreshToken, deps.settings),
  );
  if (!result.ok) throw new BffError(result.code, result.description, { internal: "refresh grant failed" });
  const claims = await open(result.sealed, "refresh", deps.ring);
  const { t, x, r, iat } = (claims ?? {}) as Record<string, unknown>;
  if (!isTokenSyntax(t) || typeof iat !== "number") {
    throw new BffError("internal_error", "The renewed sign-in could not be read.", {
      internal: "registrar returned a refresh result that does not open",
    });
  }
  return {
    accessToken: t,
    issuedAt: iat,
    ...(typeof x === "number" ? { expiresIn: x } : {}),
    ...(isTokenSyntax(r) ? { refreshToken: r } : {}),
  };
}
