/**
 * The fedi-bff handler: its routes on its own router (app/) behind one `fetch`, for the
 * standalone Worker (src/index.ts) and for any Worker or Hono app that mounts it as a library.
 * fedi-bff answers only its own paths (`handles`); everything else is the host app's.
 */
// Hono's type only: the middleware host apps mount; fedi-bff's own routing is app/router.ts.
import type { MiddlewareHandler } from "hono";
import { live, ready } from "./admin/health.ts";
import { actOnInstance, listInstances, showInstance } from "./admin/instances.ts";
import { countEvents } from "./admin/metrics.ts";
import { metrics } from "./admin/metrics-route.ts";
import { type AppFetch, appHandler } from "./app/handler.ts";
import { renewToken } from "./app/renew.ts";
import { routeTable } from "./app/router.ts";
import type { AppHandler, OpenHandler } from "./app/types.ts";
import { authCallback, login, logout, session, switchTo } from "./auth/routes.ts";
import { configProblems } from "./config/config.ts";
import type { Env } from "./config/env.ts";
import { envWithOptions, type FediBffOptions, optionVars } from "./config/options.ts";
import { addEventSink, type BffEvent } from "./events.ts";
import { isFediBffPath, rawPath } from "./paths.ts";
import { isApiRequest, serveApi } from "./proxy/entry.ts";
import { publicProxy } from "./public/route.ts";
import { loginStartFailed } from "./session/login-events.ts";
import { type FediBffWorker, type WorkerApp, wrapApp } from "./wrap.ts";

export type { BffEvent } from "./events.ts";
export { FEDI_BFF_PATHS } from "./paths.ts";
export type { FediBffWorker, WorkerApp } from "./wrap.ts";

/** The handler's options: fedi-bff's settings (config/options.ts) and the events hook. */
export interface FediBffHandlerOptions extends FediBffOptions {
  /**
   * Receives every event with an outcome (login started/completed/failed/abandoned, registrations,
   * logouts, …; docs/operators.md has the schema), in this isolate. A hook that throws is ignored.
   */
  readonly onEvent?: (event: BffEvent) => void;
}

export interface FediBff {
  /** Answers a request on one of fedi-bff's paths (anything else: fedi-bff's JSON 404). */
  fetch(request: Request, env: Env, ctx: ExecutionContext): Response | Promise<Response>;
  /** True when the request (or URL) is on one of fedi-bff's paths. */
  handles(request: Request | URL | string): boolean;
  /**
   * The Worker's default export with fedi-bff in front of `app` (a Hono app, or any object with
   * a Worker's `fetch`): fedi-bff answers its own paths before the app sees the request, the app
   * everything else, unchanged; the app's other handlers (`scheduled`, `queue`…) are passed on.
   * `export default bff.wrap(app)`. Being the Worker's entry, it passes the runtime's own request
   * body on untouched; a request built in code and handed to it is sent safely but unchecked
   * (wrap.ts): send those to `fetch`.
   */
  wrap<AppEnv = Env>(app: WorkerApp<AppEnv>): FediBffWorker<AppEnv & Env>;
  /**
   * Hono middleware: fedi-bff answers its own paths and passes every other request on. Each of
   * fedi-bff's requests runs the app's router first: `wrap` is faster.
   */
  readonly middleware: MiddlewareHandler;
  /** Every problem with the settings this env and the options give (empty when fedi-bff would serve). */
  check(env: Env): string[];
}

/**
 * A fedi-bff handler. Settings come from the Worker's env (wrangler.toml vars and secrets) and,
 * overriding them, from `options`; both are validated together on the first request, and any problem
 * makes every answer 500 `misconfigured` (details in the log). An option of the wrong type throws here.
 */
export function createFediBff(options: FediBffHandlerOptions = {}): FediBff {
  const { onEvent, ...settings } = options;
  if (onEvent !== undefined && typeof onEvent !== "function") {
    throw new TypeError("fedi-bff options: onEvent: must be a function");
  }
  const envFor = envWithOptions(optionVars(settings));
  const handler = fediBffHandler(envFor);
  if (onEvent !== undefined) addEventSink(onEvent);
  return {
    ...handler,
    // The wrapper is the Worker's entry: its requests are the runtime's own (wrap.ts).
    wrap: (app) => wrapApp(app, handles, serve(envFor, true)),
  };
}

/**
 * The handler for settings from the env alone: the standalone Worker's, whose bundle then holds no
 * options code. `envFor` gives the env fedi-bff reads for the Worker's env. `fromRuntime`: every
 * request this handler gets is the one the runtime handed to the Worker, body untouched (the
 * standalone Worker's entry); the proxy then passes a body on as the runtime's own stream, whose
 * length the runtime knows (proxy/request-body.ts). A library handler's `fetch` and `middleware`
 * may get requests a host app rebuilt, so they never assume that; `createFediBff` adds `wrap`, the
 * Worker's entry, whose requests are the runtime's (wrap.ts) — the standalone Worker never wraps.
 */
export function fediBffHandler(
  envFor: (env: Env) => Env = (env) => env,
  fromRuntime = false,
): Omit<FediBff, "wrap"> {
  countEvents();
  const fetch = serve(envFor, fromRuntime);
  return {
    fetch,
    handles,
    check: (env) => configProblems(envFor(env)),
    middleware: async function fediBff(c, next) {
      if (!handles(c.req.raw)) return next();
      // Hono types its context narrower than the runtime's; on Workers it is the same object.
      return fetch(c.req.raw, c.env, c.executionCtx as ExecutionContext);
    },
  };
}

/** fedi-bff's `fetch`: the API's fast path, or the router. */
function serve(envFor: (env: Env) => Env, fromRuntime: boolean): FediBff["fetch"] {
  const app = router(fromRuntime);
  return (request, env, ctx) => {
    const effective = envFor(env);
    return isApiRequest(request.url)
      ? serveApi(request, effective, renewToken, fromRuntime)
      : app(request, effective, ctx);
  };
}

function handles(request: Request | URL | string): boolean {
  const url = typeof request === "string" ? request : request instanceof URL ? request.href : request.url;
  return isFediBffPath(rawPath(url));
}

/** The operator's routes (src/admin/): health, instance status and repairs, metrics. */
const OPS = "/_fedi-bff";

/** fedi-bff's routes, in app/handler.ts's order of steps; the first route that matches answers. */
function router(fromRuntime: boolean): AppFetch {
  return appHandler(
    {
      // Health answers even when the settings are broken: before the deps, which need valid ones.
      open: routeTable<OpenHandler>([
        ["GET", `${OPS}/live`, live],
        ["GET", `${OPS}/ready`, (c) => ready(c.request, c.env)],
      ]),
      routes: routeTable<AppHandler>([
        ["GET", "/auth/login", login],
        ["POST", "/auth/login", login],
        // One callback per instance; the bare path only finishes logins started before it existed.
        ["GET", "/auth/callback/:host", authCallback],
        ["GET", "/auth/callback", authCallback],
        ["GET", "/auth/session", session],
        ["POST", "/auth/logout", logout],
        ["POST", "/auth/switch", switchTo],
        ["ALL", "/instances/:host/api/*", publicProxy],
        ["GET", `${OPS}/instances`, listInstances],
        ["GET", `${OPS}/instances/:host`, showInstance],
        ["POST", `${OPS}/instances/:host/:action`, actOnInstance],
        ["GET", `${OPS}/metrics`, metrics],
      ]),
      onError: (error, request, pattern) =>
        pattern === "/auth/login" ? loginStartFailed(request, error) : undefined,
    },
    fromRuntime,
  );
}
