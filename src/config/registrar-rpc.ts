/**
 * What the Registrar Durable Object answers over RPC (src/registry/registrar.ts implements it).
 * Types only, so the Worker's `Env` can name the binding without importing the Durable Object.
 */
import type { ErrorCode } from "../errors.ts";
import type { RegistrationRequest } from "../oauth/registration.ts";
import type { AdminAction, AdminResult, InstanceStatus } from "./registrar-admin.ts";
import type { VariableName } from "./variables.ts";

/**
 * The variables a handler runs with (a library's options laid over the Worker's env): sent with
 * each call, so the Registrar registers, seals and talks to instances with the caller's settings,
 * not with its own env's, which knows nothing of options.
 */
export type RegistrarSettings = Readonly<Partial<Record<VariableName, string>>>;

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
  ensure(req: RegistrationRequest, settings?: RegistrarSettings): Promise<RegistrarResult>;
  replace(
    req: RegistrationRequest,
    deadClientId: string,
    settings?: RegistrarSettings,
  ): Promise<RegistrarResult>;
  verify(req: RegistrationRequest, clientId: string, settings?: RegistrarSettings): Promise<RegistrarResult>;
  appToken(
    req: RegistrationRequest,
    rejected: string | null,
    settings?: RegistrarSettings,
  ): Promise<RegistrarResult>;
  byClientId(clientId: string): Promise<string | null>;
  /** A session holds the token with this keyed hash until `until` (src/registry/token-holders.ts). */
  holdToken(hash: string, holder: string, until: number, clientId: string): Promise<void>;
  /** A session let go of the token; true when no other session holds it (it may be revoked). */
  releaseToken(hash: string, holder: string | undefined, clientId: string): Promise<boolean>;
  refresh(clientId: string, refreshToken: string, settings?: RegistrarSettings): Promise<RegistrarResult>;
  /** The operator's view of this instance (src/registry/status.ts). */
  status(req: RegistrationRequest, settings?: RegistrarSettings): Promise<InstanceStatus>;
  /** An operator's repair, bounded like the automatic ones. */
  operate(req: RegistrationRequest, action: AdminAction, settings?: RegistrarSettings): Promise<AdminResult>;
  /** On the index object only: remembers a host with a registration / lists them. */
  indexHost(host: string): Promise<void>;
  indexedHosts(): Promise<string[]>;
  /** Readiness: touches this object's storage (a write and a read). */
  ping(): Promise<boolean>;
  /** A revoke that failed: tried again later, a few times (false: the queue is full). */
  queueRevoke(
    host: string,
    sealedToken: string,
    clientId: string,
    settings?: RegistrarSettings,
  ): Promise<boolean>;
}
