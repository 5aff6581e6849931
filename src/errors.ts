/**
 * The HTTP status of each error code (the closed list is error-codes.ts, shared with the browser
 * client) and the one error type every module throws. Clients get `{ error, error_description }`;
 * `internal` detail goes to the log only (never a token, secret or code in either).
 */
import { OWN_ERROR_HEADER } from "./client/types.ts";
import type { ErrorCode } from "./error-codes.ts";
import { log } from "./log.ts";

export type { ErrorCode } from "./error-codes.ts";

/** Every code of error-codes.ts and no other (`satisfies` refuses a missing or an extra one). */
export const ERROR_STATUS = {
  invalid_request: 400,
  invalid_instance: 400,
  invalid_return_to: 400,
  invalid_state: 400,
  invalid_callback: 400,
  login_expired: 400,
  invalid_path: 400,
  invalid_account: 400,
  handle_not_found: 404,
  too_many_accounts: 400,
  not_authenticated: 401,
  session_revoked: 401,
  reauth_required: 401,
  access_denied: 403,
  authorization_failed: 400,
  csrf_required: 403,
  forbidden_origin: 403,
  instance_not_allowed: 403,
  not_found: 404,
  method_not_allowed: 405,
  payload_too_large: 413,
  unsupported_instance: 422,
  rate_limited: 429,
  registration_rate_limited: 429,
  misconfigured: 500,
  internal_error: 500,
  instance_unreachable: 502,
  registration_failed: 502,
  token_exchange_failed: 502,
  account_lookup_failed: 502,
  invalid_upstream_response: 502,
  storage_unavailable: 503,
  instance_timeout: 504,
} as const satisfies Record<ErrorCode, number>;

/**
 * Why a failure happened, where a caller acts on it rather than only reporting it; never sent.
 * `dead_client`: the instance no longer knows the OAuth client, so the registration is replaced.
 */
export type ErrorReason = "dead_client";

export interface BffErrorOptions {
  /** Logged, never sent: what really went wrong (no secrets). */
  internal?: string;
  /** Extra response headers, e.g. Retry-After. */
  headers?: Record<string, string>;
  cause?: unknown;
  /** A reason a caller acts on (the code alone is what the client sees). */
  reason?: ErrorReason;
  /** The session account the error is about (`<id>@<instance>`), sent as the body's `account`. */
  account?: string;
}

/** The header that marks fedi-bff's own error answers (defined beside the client that reads it). */
export { OWN_ERROR_HEADER };

/** A failure with a stable code; thrown anywhere, turned into a response by `errorResponse`. */
export class BffError extends Error {
  override readonly name = "BffError";
  readonly code: ErrorCode;
  readonly status: number;
  readonly internal: string | undefined;
  readonly headers: Record<string, string>;
  readonly reason: ErrorReason | undefined;
  readonly account: string | undefined;

  constructor(code: ErrorCode, description: string, options: BffErrorOptions = {}) {
    super(description, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = ERROR_STATUS[code];
    this.internal = options.internal;
    this.headers = options.headers ?? {};
    this.reason = options.reason;
    this.account = options.account;
  }
}

export function isBffError(value: unknown): value is BffError {
  return value instanceof BffError;
}

/** The JSON error body; `Cache-Control: no-store` so no cache keeps a per-user failure. */
export function errorResponse(error: BffError, extraHeaders?: HeadersInit): Response {
  const headers = new Headers(extraHeaders);
  headers.set("content-type", "application/json; charset=utf-8");
  headers.set("cache-control", "no-store");
  headers.set(OWN_ERROR_HEADER, "1");
  for (const [name, value] of Object.entries(error.headers)) headers.set(name, value);
  const fields = { error: error.code, error_description: error.message };
  const body = JSON.stringify(error.account === undefined ? fields : { ...fields, account: error.account });
  return new Response(body, { status: error.status, headers });
}

/** Logs a failure without secrets: code, status and the internal reason. */
export function logError(error: BffError, context: string): void {
  if (error.status < 500 && error.internal === undefined) return;
  log("warn", "request_failed", {
    context,
    error: error.code,
    status: error.status,
    internal: error.internal,
  });
}
