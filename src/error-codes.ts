/**
 * The closed list of error codes fedi-bff answers with (`{ "error": code }`), on its own so that
 * the server (errors.ts, which gives each its status) and the browser client (client/) share one
 * list without the client pulling in any server code. No imports: keep it that way.
 */
export const ERROR_CODES = [
  "invalid_request",
  "invalid_instance",
  "invalid_return_to",
  "invalid_state",
  "invalid_callback",
  "login_expired",
  "invalid_path",
  "invalid_account",
  "handle_not_found",
  "too_many_accounts",
  "not_authenticated",
  "session_revoked",
  "reauth_required",
  "access_denied",
  "authorization_failed",
  "csrf_required",
  "forbidden_origin",
  "instance_not_allowed",
  "not_found",
  "method_not_allowed",
  "payload_too_large",
  "unsupported_instance",
  "rate_limited",
  "registration_rate_limited",
  "misconfigured",
  "internal_error",
  "instance_unreachable",
  "registration_failed",
  "token_exchange_failed",
  "account_lookup_failed",
  "invalid_upstream_response",
  "storage_unavailable",
  "instance_timeout",
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];
