/**
 * The proxy's upstream fetch: a timeout for the response HEAD only. `AbortSignal.timeout` would
 * also cut the body — a long server-sent-events stream or a slow download — so the fetch races a
 * timer instead, and the body is never tied to it. There is no AbortController on purpose: it and
 * its signal are two runtime objects per request on the hot path (bench: `npm run bench`), and a
 * fetch left behind by a timeout is cancelled by the runtime when the 504 ends the request. The
 * timer is a `setTimeout` cleared as soon as the race is decided: `scheduler.wait` cannot be
 * cleared, so each of its timers stayed armed until its request ended, and cost more.
 * Network failures become `instance_unreachable` (502), the timeout `instance_timeout` (504).
 * Redirects are never followed: the request carries the account's token.
 *
 * A pooled keep-alive connection that the instance (snac, or nginx in front of any server) closed
 * while idle fails at once, before any answer ("Network connection lost"). A request without a
 * body and with a safe method is then sent once more, at once, under the same head deadline; a
 * request whose body has started streaming is never repeated (it cannot be, and it may have
 * acted).
 */
import { BffError } from "../errors.ts";
import type { FetchLike } from "../http/upstream.ts";

export interface HeadFetch {
  readonly fetch: FetchLike;
  readonly timeoutMs: number;
  /** For messages and logs: the instance host (never the URL: its query may be private). */
  readonly host: string;
}

/** What the timer resolves to: a value, never a rejection, so the losing timer is harmless. */
const TIMED_OUT = Symbol("timed out");

/**
 * `repeatable`: the caller vouches that sending the request twice is harmless (a safe method, no
 * body); only then is a connection lost before the answer retried.
 */
export async function fetchWithHeadTimeout(
  ctx: HeadFetch,
  url: string,
  init: RequestInit,
  repeatable = false,
): Promise<Response> {
  // A copy: the caller's init stays as it was given.
  const request: RequestInit = { ...init, redirect: "manual" };
  let head: Response | typeof TIMED_OUT;
  const attempt = ctx.fetch(url, request);
  const answer = repeatable ? attempt.catch(() => ctx.fetch(url, request)) : attempt;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(resolve, ctx.timeoutMs, TIMED_OUT);
  });
  try {
    head = await Promise.race([answer, deadline]);
  } catch (error) {
    throw new BffError("instance_unreachable", `The instance ${ctx.host} could not be reached.`, {
      internal: `proxy: ${error instanceof Error ? error.message : String(error)}`,
    });
  } finally {
    // Cleared as soon as the race is decided: no timer outlives the head.
    if (timer !== undefined) clearTimeout(timer);
  }
  if (head === TIMED_OUT) {
    throw new BffError("instance_timeout", `The instance ${ctx.host} did not answer in time.`, {
      internal: `proxy: no response head after ${ctx.timeoutMs} ms`,
    });
  }
  return head;
}
