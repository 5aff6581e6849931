/**
 * The proxy's upstream fetch: a timeout for the response HEAD only. `AbortSignal.timeout` would
 * also cut the body — a long server-sent-events stream or a slow download — so the timer is
 * cleared the moment the head arrives. Network failures become `instance_unreachable` (502), the
 * timeout `instance_timeout` (504) (ruling 2). Redirects are never followed (issue 9, item 4): the
 * request carries the account's token.
 */
import { BffError } from "../errors.ts";
import type { FetchLike } from "../http/upstream.ts";

export interface HeadFetch {
  readonly fetch: FetchLike;
  readonly timeoutMs: number;
  /** For messages and logs: the instance host (never the URL: its query may be private). */
  readonly host: string;
}

export async function fetchWithHeadTimeout(
  ctx: HeadFetch,
  url: string,
  init: RequestInit,
): Promise<Response> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), ctx.timeoutMs);
  init.signal = controller.signal;
  init.redirect = "manual";
  try {
    return await ctx.fetch(url, init);
  } catch (error) {
    if (controller.signal.aborted) {
      throw new BffError("instance_timeout", `The instance ${ctx.host} did not answer in time.`, {
        internal: `proxy: no response head after ${ctx.timeoutMs} ms`,
      });
    }
    throw new BffError("instance_unreachable", `The instance ${ctx.host} could not be reached.`, {
      internal: `proxy: ${error instanceof Error ? error.message : String(error)}`,
    });
  } finally {
    clearTimeout(timer);
  }
}
