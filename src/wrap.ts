/**
 * `bff.wrap(app)`: the Worker's entry with fedi-bff in front of a host app. fedi-bff's paths are
 * answered before the app sees the request (no host router or context per proxied call); every
 * other request goes to `app.fetch` unchanged, and so does every error the app throws or answers.
 *
 * The runtime's own body goes on untouched. As the Worker's default export, the wrapper gets the
 * Request the runtime handed over: its body is framed by its Content-Length, a length workerd knows
 * and sends upstream with it (proxy/request-body.ts), so fedi-bff need not read or re-frame it.
 *
 * A request built in code and handed to the wrapper's `fetch` (a test, another Worker's handler)
 * still cannot make fedi-bff send an instance a body of the wrong length, nor read a body past any
 * bound: workerd frames every body it sends by the body itself — a stream of known length (bytes,
 * a string, the runtime's body; a FixedLengthStream that falls short or runs over fails the
 * upstream request) with that length, any other stream chunked — and the Content-Length header
 * fedi-bff forwards never replaces that framing; the body is streamed, never read into memory. What such
 * a request loses against `bff.fetch`, which takes every request as possibly rebuilt: a declared
 * Content-Length that its body does not match is not refused (400 `invalid_request`), the body
 * goes with its real length; and a stream built in code goes chunked, which snac never answers.
 */
import type { Env } from "./config/env.ts";

/** What `wrap` takes: anything with a Worker's `fetch` — a Hono app, an `ExportedHandler` object. */
export interface WorkerApp<AppEnv> {
  fetch(request: Request, env: AppEnv, ctx: ExecutionContext): Response | Promise<Response>;
}

/** The Worker's default export: `fetch`, and the app's other handlers (`scheduled`, `queue`…) as they are. */
export type FediBffWorker<E> = ExportedHandler<E> & {
  fetch(request: Request, env: E, ctx: ExecutionContext): Response | Promise<Response>;
};

/**
 * The handlers of a Worker's default export other than `fetch`, passed on from the app (a test
 * holds the list to `ExportedHandler`'s).
 */
export const OTHER_HANDLERS = [
  "connect",
  "email",
  "queue",
  "scheduled",
  "tail",
  "tailStream",
  "test",
  "trace",
] as const satisfies readonly (keyof ExportedHandler)[];

type Fetch = (request: Request, env: Env, ctx: ExecutionContext) => Response | Promise<Response>;

/**
 * The entry: `own(request)` decides (fedi-bff's `handles`), `bff` answers those requests as the
 * runtime's own (fromRuntime), `app` the rest.
 */
export function wrapApp<AppEnv>(
  app: WorkerApp<AppEnv>,
  own: (request: Request) => boolean,
  bff: Fetch,
): FediBffWorker<AppEnv & Env> {
  const worker: FediBffWorker<AppEnv & Env> = {
    fetch: (request, env, ctx) => (own(request) ? bff(request, env, ctx) : app.fetch(request, env, ctx)),
  };
  const handlers = app as unknown as Record<string, unknown>;
  for (const name of OTHER_HANDLERS) {
    const handler = handlers[name];
    if (typeof handler === "function") Object.assign(worker, { [name]: handler.bind(app) });
  }
  return worker;
}
