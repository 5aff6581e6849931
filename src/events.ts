/**
 * Events with outcomes: what operators count and join — a login from start to completion, the
 * registrations of an instance, logouts, an instance's throttling, an operator's action. Each is
 * one typed value: written as one JSON log line (log.ts), handed to the library's `onEvent` hook,
 * and counted by the metric sinks (Workers Analytics Engine, the self-hosted Prometheus text).
 * docs/operators.md publishes the line schema. Fields are short facts: never a token, a secret,
 * a code, a state or a cookie (a login is joined by `login_id`, a digest of its state).
 */
import type { ErrorCode } from "./error-codes.ts";
import { EVENT_NAMES, log } from "./log.ts";

/** The events with outcomes (the list lives in log.ts, which writes their lines). */
export { EVENT_NAMES };

export type EventName = (typeof EVENT_NAMES)[number];

/** `ok`: done; `refused`: the user, the instance or a rule said no; `failed`: something broke. */
export type Outcome = "ok" | "refused" | "failed";

/**
 * Why an event ended as it did: a closed list of slugs, logged and counted, never sent to a
 * browser (the public `error` code is what a browser sees). docs/operators.md explains each.
 */
export const REASONS = [
  // Registrations and checks
  "new_instance",
  "per_login",
  "dead_client",
  "operator_forced",
  "client_alive",
  "client_dead",
  "client_unknown",
  "backoff_active",
  "backoff_cleared",
  "check_too_soon",
  "replaced_too_soon",
  // Upstream failures (network, OAuth error answer, unexpected status, malformed body)
  "upstream_network",
  "upstream_timeout",
  "upstream_status",
  "upstream_oauth_error",
  "upstream_malformed",
  "instance_rate_limited",
  // The login flow
  "user_denied",
  "state_mismatch",
  "login_expired",
  "login_replaced",
  "no_matching_login",
  "not_allowed",
  "invalid_input",
  "rate_limited",
  "unsupported_server",
  // Ours
  "storage",
  "config",
  "internal",
] as const;

export type Reason = (typeof REASONS)[number];

/** One event, as the log line, the `onEvent` hook and the metric sinks get it. */
export interface BffEvent {
  readonly event: EventName;
  /** The HTTP request it happened in (`cf-ray` on Cloudflare, else drawn); null in the Registrar. */
  readonly requestId: string | null;
  /** A login's id from its start to its end (a digest of its state), where the event is a login's. */
  readonly loginId?: string;
  /** The instance's canonical host. */
  readonly instance: string | null;
  /** The server software (nodeinfo `software.name`), where known. */
  readonly software: string | null;
  /** Milliseconds since the request began (or of the step the event names). */
  readonly durationMs: number | null;
  readonly outcome: Outcome;
  /** The public error code a browser got, if any. */
  readonly error: ErrorCode | null;
  readonly reason: Reason | null;
  /** admin_action: which action (`check`, `register`, `clear_backoff`). */
  readonly action?: string;
  /** Free text for the log line only (an upstream answer's first bytes): never counted, never sent. */
  readonly detail?: string;
}

/** What an event's author knows; the request's id and duration are filled in from `request`. */
export type EventFacts = Omit<BffEvent, "requestId" | "durationMs" | "software" | "error" | "reason"> &
  Partial<Pick<BffEvent, "durationMs" | "software" | "error" | "reason">>;

type Sink = (event: BffEvent) => void;

const sinks = new Set<Sink>();

/** Adds a receiver of every event in this isolate (the `onEvent` hook, a metric sink); returns its removal. */
export function addEventSink(sink: Sink): () => void {
  sinks.add(sink);
  return () => sinks.delete(sink);
}

interface RequestFacts {
  readonly id: string;
  readonly start: number;
  readonly dataset: AnalyticsEngineDataset | undefined;
}

/**
 * Where an event happened: an HTTP request (marked by `trackRequest`), a place with its own env
 * (the Registrar: its METRICS dataset), or null (a step without either; the isolate's last
 * request's dataset is used).
 */
export type EventPlace = Request | { readonly dataset: AnalyticsEngineDataset | undefined } | null;

const requests = new WeakMap<Request, RequestFacts>();
/** cf-ray: 16 hex digits, a dash, a location code. */
const RAY = /^[0-9a-f]{16}(-[A-Z]{3})?$/;

/**
 * Marks the start of a request (the router's first middleware) and the env's Analytics Engine
 * dataset its events go to; returns the request's id.
 */
export function trackRequest(request: Request, dataset?: AnalyticsEngineDataset): string {
  analytics = dataset;
  const known = requests.get(request);
  if (known !== undefined) return known.id;
  const ray = request.headers.get("cf-ray");
  const id = ray !== null && RAY.test(ray) ? ray : drawId();
  requests.set(request, { id, start: Date.now(), dataset });
  return id;
}

function drawId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** The Analytics Engine dataset of the isolate's last request, for events of no place (null). */
let analytics: AnalyticsEngineDataset | undefined;

/**
 * One Analytics Engine data point per event, the instance as its index (sampling keeps each
 * instance's share): blob1 event, blob2 outcome, blob3 error, blob4 reason, blob5 software,
 * blob6 action; double1 duration in ms, double2 the count (1). docs/operators.md has queries.
 */
function writeDataPoint(dataset: AnalyticsEngineDataset, e: BffEvent): void {
  dataset.writeDataPoint({
    indexes: [(e.instance ?? "none").slice(0, 96)],
    blobs: [e.event, e.outcome, e.error ?? "", e.reason ?? "", e.software ?? "", e.action ?? ""],
    doubles: [e.durationMs ?? 0, 1],
  });
}

/** Emits an event that happened at `place`: its log line, the hooks, the metric sinks. */
export function emit(place: EventPlace, facts: EventFacts): void {
  const tracked = place instanceof Request ? (requests.get(place) ?? null) : null;
  const dataset = place === null ? analytics : place instanceof Request ? tracked?.dataset : place.dataset;
  const event: BffEvent = {
    software: null,
    error: null,
    reason: null,
    ...facts,
    requestId: tracked?.id ?? null,
    durationMs: facts.durationMs ?? (tracked === null ? null : Date.now() - tracked.start),
  };
  log(event.outcome === "failed" ? "warn" : "info", event.event, lineOf(event));
  for (const sink of sinks) deliver(sink, event);
  if (dataset !== undefined) deliver((e) => writeDataPoint(dataset, e), event);
}

function deliver(sink: Sink, event: BffEvent): void {
  try {
    sink(event);
  } catch {
    // A failing hook or sink never fails the request it reports on.
  }
}

/** The log line's fields (snake_case, as every line of log.ts). */
function lineOf(e: BffEvent): Record<string, string | number | undefined> {
  return {
    request_id: e.requestId ?? undefined,
    login_id: e.loginId,
    instance: e.instance ?? undefined,
    software: e.software ?? undefined,
    duration_ms: e.durationMs ?? undefined,
    outcome: e.outcome,
    error: e.error ?? undefined,
    reason: e.reason ?? undefined,
    action: e.action,
    internal: e.detail,
  };
}

/** A login's id: the first 12 bytes of SHA-256(state), base64url — it joins, and reveals nothing. */
export async function loginIdOf(state: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(`login-id\n${state}`));
  const bytes = new Uint8Array(digest).slice(0, 12);
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
}

/** The reason slug for a failure's public code (the closest one; callers that know better say so). */
export function reasonOfCode(code: ErrorCode): Reason {
  return CODE_REASONS[code] ?? "internal";
}

const CODE_REASONS: Partial<Record<ErrorCode, Reason>> = {
  access_denied: "user_denied",
  invalid_state: "state_mismatch",
  login_expired: "login_expired",
  invalid_callback: "invalid_input",
  invalid_instance: "invalid_input",
  invalid_return_to: "invalid_input",
  invalid_request: "invalid_input",
  handle_not_found: "invalid_input",
  too_many_accounts: "invalid_input",
  forbidden_origin: "invalid_input",
  csrf_required: "invalid_input",
  instance_not_allowed: "not_allowed",
  unsupported_instance: "unsupported_server",
  rate_limited: "rate_limited",
  registration_rate_limited: "instance_rate_limited",
  authorization_failed: "upstream_oauth_error",
  token_exchange_failed: "upstream_oauth_error",
  registration_failed: "upstream_status",
  account_lookup_failed: "upstream_status",
  invalid_upstream_response: "upstream_malformed",
  instance_unreachable: "upstream_network",
  instance_timeout: "upstream_timeout",
  storage_unavailable: "storage",
  misconfigured: "config",
};

/** `refused` for a failure the user, the instance or a rule decided; `failed` for one that broke. */
export function outcomeOfCode(code: ErrorCode): Outcome {
  const reason = reasonOfCode(code);
  return reason.startsWith("upstream_") ||
    reason === "storage" ||
    reason === "config" ||
    reason === "internal"
    ? "failed"
    : "refused";
}
