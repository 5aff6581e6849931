/**
 * What the Registrar tells the operator about one instance, and the actions it takes for them
 * (src/registry/status.ts). Types only, beside the Registrar's RPC interface. Nothing here is a
 * secret: the client id appears only as a fingerprint, tokens and secrets not at all.
 */
import type { ErrorCode } from "../error-codes.ts";
import type { Reason } from "../events.ts";

/** The operator's repairs: check the client now, register afresh, lift a back-off. */
export const ADMIN_ACTIONS = ["check", "register", "clear_backoff"] as const;
export type AdminAction = (typeof ADMIN_ACTIONS)[number];

/** The answer of the instance's last check of the client (an app-token grant). */
export type CheckAnswer = "alive" | "dead" | "unknown";

export interface InstanceStatus {
  readonly instance: string;
  /** False when this deployment holds no registration for the instance. */
  readonly registered: boolean;
  readonly software: string | null;
  /** `anchored` (one shared app kept alive by an app token) or `per-login` (one app per login). */
  readonly keeping: string | null;
  readonly registeredAt: string | null;
  readonly ageSeconds: number | null;
  /** `sha256:` and the first 8 bytes (hex) of SHA-256(client_id): tells registrations apart. */
  readonly clientFingerprint: string | null;
  readonly anchored: boolean;
  readonly lastCheck: { readonly at: string; readonly answer: CheckAnswer } | null;
  readonly replacements: number;
  readonly lastReplacedAt: string | null;
  readonly backoff: {
    readonly error: ErrorCode;
    readonly description: string;
    readonly retryAfter: number;
  } | null;
  /** Registrations made for this instance in the current hour's window. */
  readonly registrationsThisHour: number;
  /** Until when a login start trusts the KV copy without asking; null without KV (self-hosted) or copy. */
  readonly kvTrustUntil: string | null;
}

export interface AdminResult {
  readonly action: AdminAction;
  /** False when a bound or a state refused it (`reason` says which). */
  readonly done: boolean;
  readonly reason: Reason | null;
  /** Seconds until the action may run again, when a bound refused it. */
  readonly retryAfter?: number;
  readonly status: InstanceStatus;
}
