/**
 * Every request fedi-bff itself makes to an instance goes through `upstreamFetch`: an honest
 * User-Agent (GoToSocial answers 418 without one), `redirect: "manual"` (a redirect would carry
 * secrets to wherever the instance points), a timeout for the response head, and network failures
 * sorted into `instance_timeout` / `instance_unreachable`. Bodies are read with `readJson`, capped.
 */

import { BffError } from "../errors.ts";
import { readAtMost } from "./read-at-most.ts";

export type FetchLike = (input: Request | string | URL, init?: RequestInit) => Promise<Response>;

export interface UpstreamContext {
  readonly fetch: FetchLike;
  readonly userAgent: string;
  readonly timeoutMs: number;
}

/** fedi-bff's version, as package.json says (held equal by test/http/upstream.test.ts). */
export const VERSION = "0.1.0";

/**
 * The User-Agent of every request fedi-bff makes itself: fedi-bff, its version, and where an
 * instance's admin learns who runs this deployment (APP_WEBSITE; required outside development,
 * where the BFF's own origin stands in). GoToSocial answers 418 to a request without one.
 */
export function userAgent(website: string | null): string {
  return `fedi-bff/${VERSION} (+${website ?? "https://github.com/fedi-bff/fedi-bff"})`;
}

/** Methods whose repetition changes nothing on the server (RFC 9110, section 9.2.1). */
const SAFE_METHODS = new Set(["GET", "HEAD"]);

export interface UpstreamOptions {
  /**
   * Repeat the request once when the connection fails before any answer, although its method is
   * not safe. Only for requests whose duplicate is harmless (an app registration); never for a
   * code exchange, whose code the first attempt may have spent.
   */
  readonly retryOnConnectionLoss?: boolean;
}

/**
 * Fetches with the UA, a head timeout and manual redirects; throws BffError on network failure.
 * A pooled keep-alive connection that the server (snac, nginx in front of any server) closed
 * while idle fails at once with "Network connection lost" and no answer: a safe request, or one
 * opted in, is sent once more, at once, within the same timeout.
 */
export async function upstreamFetch(
  ctx: UpstreamContext,
  url: string | URL,
  init: RequestInit = {},
  options: UpstreamOptions = {},
): Promise<Response> {
  const headers = new Headers(init.headers);
  if (!headers.has("user-agent")) headers.set("user-agent", ctx.userAgent);
  const timeout = AbortSignal.timeout(ctx.timeoutMs);
  const signal = init.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
  const request: RequestInit = { ...init, headers, redirect: "manual", signal };
  try {
    return await ctx.fetch(url, request).catch((error: unknown) => {
      if (signal.aborted || !mayRepeat(init, options)) throw error;
      return ctx.fetch(url, request);
    });
  } catch (error) {
    throw networkFailure(error, url, timeout.aborted, ctx.timeoutMs);
  }
}

/** A request may be sent again when its method is safe (or opted in) and its body replayable. */
function mayRepeat(init: RequestInit, options: UpstreamOptions): boolean {
  if (init.body instanceof ReadableStream) return false;
  return options.retryOnConnectionLoss === true || SAFE_METHODS.has((init.method ?? "GET").toUpperCase());
}

function networkFailure(error: unknown, url: string | URL, timedOut: boolean, timeoutMs: number): BffError {
  const host = new URL(url).host;
  const path = String(url).split("?")[0];
  if (timedOut) {
    return new BffError("instance_timeout", `The instance ${host} did not answer in time.`, {
      internal: `timeout after ${timeoutMs} ms: ${path}`,
    });
  }
  return new BffError("instance_unreachable", `The instance ${host} could not be reached.`, {
    internal: `${path}: ${error instanceof Error ? error.message : String(error)}`,
  });
}

/** Body size caps for JSON documents from instances. */
export const MAX_JSON_BYTES = 256 * 1024;

/**
 * Reads a JSON body of at most `maxBytes`, checking the content type; the result is `unknown`
 * until the caller checks it field by field. Throws BffError(code) for anything else.
 */
export async function readJson(
  res: Response,
  code:
    | "invalid_upstream_response"
    | "registration_failed"
    | "token_exchange_failed"
    | "account_lookup_failed",
  maxBytes: number = MAX_JSON_BYTES,
): Promise<unknown> {
  const type = res.headers.get("content-type") ?? "";
  if (!/^application\/([a-z.+-]*\+)?json\b/i.test(type)) {
    await res.body?.cancel();
    throw new BffError(code, "The instance answered with something that is not JSON.", {
      internal: `content-type ${type.slice(0, 60)} (status ${res.status})`,
    });
  }
  const text = await readTextCapped(res, maxBytes, code);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new BffError(code, "The instance answered with malformed JSON.", {
      internal: `status ${res.status}`,
    });
  }
}

/** A text body of at most `maxBytes` (throws invalid_upstream_response beyond). */
export function readText(res: Response, maxBytes: number): Promise<string> {
  return readTextCapped(res, maxBytes, "invalid_upstream_response");
}

async function readTextCapped(
  res: Response,
  maxBytes: number,
  code: Parameters<typeof readJson>[1],
): Promise<string> {
  const declared = Number(res.headers.get("content-length") ?? "0");
  const tooBig = () =>
    new BffError(code, "The instance's answer was too large.", { internal: `body over ${maxBytes} bytes` });
  if (declared > maxBytes) {
    await res.body?.cancel();
    throw tooBig();
  }
  if (res.body === null) return "";
  const bytes = await readAtMost(res.body, maxBytes);
  if (bytes === null) throw tooBig();
  return new TextDecoder().decode(bytes);
}

/** Discards a body we will not read (frees the connection). */
export async function discard(res: Response): Promise<void> {
  try {
    await res.body?.cancel();
  } catch {
    // already closed
  }
}

/** Retry-After as given (seconds or HTTP date), bounded to something sane; default 60 s. */
export function retryAfterSeconds(res: Response, fallback = 60): number {
  const raw = res.headers.get("retry-after");
  if (raw === null) return fallback;
  const seconds = /^\d+$/.test(raw.trim()) ? Number(raw.trim()) : (Date.parse(raw) - Date.now()) / 1000;
  if (!Number.isFinite(seconds) || seconds < 1) return fallback;
  return Math.min(Math.ceil(seconds), 3600);
}

/** A JSON object's fields, still `unknown` each; null for anything else (arrays included). */
export function asRecord(value: unknown): Record<string, unknown> | null {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : null;
}
