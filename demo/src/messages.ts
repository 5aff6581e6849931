/**
 * What the demo tells a person for each error code (and the callback's `auth_warning`). Typed by
 * the closed `ErrorCode` union: a new code does not compile until it has a message here.
 */
import type { AuthWarning, ErrorCode } from "../../src/client/index.ts";

export const ERROR_MESSAGES: Record<ErrorCode, string> = {
  invalid_request: "The request was malformed. Reload the page and try again.",
  invalid_instance: "That does not look like an instance. Enter a host name such as mastodon.social.",
  invalid_return_to: "This page asked to come back to an address the server does not allow.",
  invalid_state: "The sign-in answer did not belong to this login (another tab?). Please log in again.",
  invalid_callback: "Your instance sent back an unusable sign-in answer. Please log in again.",
  login_expired: "The login took too long or was started elsewhere. Please log in again.",
  invalid_path: "That API path is not available through fedi-bff.",
  invalid_account: "That account is not signed in in this browser.",
  handle_not_found: "No account with that handle was found. Check the spelling, or type your server instead.",
  too_many_accounts: "This browser already holds the most accounts allowed. Log one out first.",
  not_authenticated: "You are signed out. Log in to continue.",
  session_revoked: "Your instance ended this session. Please log in again.",
  reauth_required: "Your sign-in with this instance has expired. Please log in again.",
  access_denied: "You cancelled the sign-in on your instance.",
  authorization_failed: "Your instance refused the sign-in.",
  csrf_required: "The request lacked the X-CSRF header (a bug in this page).",
  forbidden_origin: "This page's origin is not allowed to use fedi-bff.",
  instance_not_allowed: "This fedi-bff does not accept logins with that instance.",
  not_found: "Not found.",
  method_not_allowed: "That action is not allowed here.",
  payload_too_large: "That is too large to send.",
  unsupported_instance:
    "That server does not offer the Mastodon API (Misskey, for example, is not supported).",
  rate_limited: "Too many attempts. Wait a minute and try again.",
  registration_rate_limited: "Your instance is limiting new app registrations. Try again in a few minutes.",
  misconfigured: "fedi-bff is misconfigured; its operator must check the logs.",
  internal_error: "Something went wrong in fedi-bff. Please try again.",
  instance_unreachable: "Your instance could not be reached. Check the name or try again later.",
  registration_failed: "Your instance refused to register this app.",
  token_exchange_failed: "Your instance did not complete the sign-in. Please try again.",
  account_lookup_failed: "Signed in, but your instance did not say who you are. Please try again.",
  invalid_upstream_response: "Your instance sent an answer fedi-bff could not understand.",
  storage_unavailable: "fedi-bff's storage is briefly unavailable. Try again shortly.",
  instance_timeout: "Your instance took too long to answer. Try again later.",
};

export const WARNING_MESSAGES: Record<AuthWarning, string> = {
  account_mismatch: "You signed in with another account than the one you typed.",
};
