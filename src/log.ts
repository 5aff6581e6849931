/**
 * One structured log line per event: JSON, with an event name from a closed set, so operators can
 * filter and alert on them. Fields are short facts (host, status, error code, an internal reason):
 * never a token, a secret, a code or a cookie — the callers pass none, and a test greps every line.
 */

/** Events that are only logged: a line, no hook, no metric. */
const LINE_EVENTS = [
  /** A request ended with a named error (4xx with an internal reason, or 5xx). */
  "request_failed",
  /** An exception that is not a named error: a bug. */
  "unexpected_error",
  /** The registrar could not record or release a session's hold on a token (src/registry/holding.ts). */
  "holding_failed",
  /** A cache write to KV failed; the login went on. */
  "kv_write_failed",
  /** Requests without a usable client address share one rate-limit bucket. */
  "rate_limit_no_client_ip",
  /** Development without SESSION_KEYS: an ephemeral key. */
  "ephemeral_session_key",
  /** A setting fedi-bff no longer reads (config.ts names what replaced it); the Worker serves on. */
  "setting_ignored",
] as const;

/**
 * The events with outcomes: events.ts types them and hands them to the hooks and the metric sinks
 * too (docs/operators.md has their schema). The list lives here, below events.ts, so that the log
 * and the events share it.
 */
export const EVENT_NAMES = [
  "login_started",
  "login_completed",
  "login_failed",
  "login_abandoned",
  "registration_created",
  "registration_replaced",
  /** Registering an app on an instance failed; the registrar backs off. */
  "registration_failed",
  /** The registrar asked an instance for an app token (its answer says whether the client lives). */
  "client_checked",
  "instance_throttled",
  "logout",
  /** A token could not be revoked upstream (logout goes on). */
  "revoke_failed",
  "admin_action",
] as const;

export type LogEvent = (typeof LINE_EVENTS)[number] | (typeof EVENT_NAMES)[number];

/** The events fedi-bff logs (built only where it is read: the bundle keeps none of these lists). */
export const LOG_EVENTS: readonly LogEvent[] = /* @__PURE__ */ ([] as LogEvent[]).concat(
  LINE_EVENTS,
  EVENT_NAMES,
);

type Level = "info" | "warn" | "error";
type Field = string | number | boolean | undefined;

const MAX_FIELD = 300;

/** Writes one JSON line; string fields are cut at 300 characters; no field replaces `level` or `event`. */
export function log(level: Level, event: LogEvent, fields: Record<string, Field> = {}): void {
  const line: Record<string, Field> = { level, event };
  for (const [name, value] of Object.entries(fields)) {
    if (name === "level" || name === "event") continue;
    line[name] = typeof value === "string" ? value.slice(0, MAX_FIELD) : value;
  }
  const text = JSON.stringify(line);
  if (level === "error") console.error(text);
  else if (level === "warn") console.warn(text);
  else console.info(text);
}
