/**
 * What the Registrar Durable Object answers over RPC (src/registry/registrar.ts implements it).
 * Types only, so the Worker's `Env` can name the binding without importing the Durable Object.
 */
import type { ErrorCode } from "../errors.ts";
import type { RegistrationRequest } from "../oauth/registration.ts";

/** A sealed registration or app token, or the named failure with its back-off. */
export type RegistrarResult =
  | { readonly ok: true; readonly sealed: string }
  | {
      readonly ok: false;
      readonly code: ErrorCode;
      readonly description: string;
      readonly retryAfter?: number;
    };

export interface RegistrarRpc extends Rpc.DurableObjectBranded {
  ensure(req: RegistrationRequest): Promise<RegistrarResult>;
  replace(req: RegistrationRequest, deadClientId: string): Promise<RegistrarResult>;
  verify(req: RegistrationRequest, clientId: string): Promise<RegistrarResult>;
  appToken(req: RegistrationRequest, rejected: string | null): Promise<RegistrarResult>;
  byClientId(clientId: string): Promise<string | null>;
  /** A session holds the token with this keyed hash until `until` (src/registry/token-holders.ts). */
  holdToken(hash: string, holder: string, until: number, clientId: string): Promise<void>;
  /** A session let go of the token; true when no other session holds it (it may be revoked). */
  releaseToken(hash: string, holder: string | undefined, clientId: string): Promise<boolean>;
  refresh(clientId: string, refreshToken: string): Promise<RegistrarResult>;
  /** A revoke that failed: tried again later, a few times (false: the queue is full). */
  queueRevoke(host: string, sealedToken: string, clientId: string): Promise<boolean>;
}
