/**
 * The fedi-bff handler: its router (middleware, routes, errors) behind one `fetch`, for the
 * standalone Worker (src/index.ts) and for any Worker or Hono app that mounts it as a library.
 * fedi-bff answers only its own paths (`handles`); everything else is the host app's.
 */
import type { MiddlewareHandler } from "hono";
import { Hono } from "hono/tiny";
import { live, ready } from "./admin/health.ts";
import { actOnInstance, listInstances, showInstance } from "./admin/instances.ts";
import { countEvents } from "./admin/metrics.ts";
import { metrics } from "./admin/metrics-route.ts";
import { buildDeps } from "./app/deps.ts";
import { renewToken } from "./app/renew.ts";
import type { AppEnv } from "./app/types.ts";
import { authCallback, login, logout, session, switchTo } from "./auth/routes.ts";
import { configProblems } from "./config/config.ts";
import type { Env } from "./config/env.ts";
import { envWithOptions, type FediBffOptions, optionVars } from "./config/options.ts";
import { BffError, errorResponse } from "./errors.ts";
import { addEventSink, type BffEvent, trackRequest } from "./events.ts";
import { cors } from "./middleware/cors.ts";
import { errorToResponse } from "./middleware/errors.ts";
import { securityHeaders } from "./middleware/security-headers.ts";
import { isFediBffPath } from "./paths.ts";
import { isApiRequest, serveApi } from "./proxy/entry.ts";
import { publicProxy } from "./public/route.ts";
import { loginStartFailed } from "./session/login-events.ts";

export type { BffEvent } from "./events.ts";
export { FEDI_BFF_PATHS } from "./paths.ts";

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
  /** Hono middleware: fedi-bff answers its own paths and passes every other request on. */
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
  const handler = fediBffHandler(envWithOptions(optionVars(settings)));
  if (onEvent !== undefined) addEventSink(onEvent);
  return handler;
}

/**
 * The handler for settings from the env alone: the standalone Worker's, whose bundle then holds no
 * options code. `envFor` gives the env fedi-bff reads for the Worker's env. `fromRuntime`: every
 * request this handler gets is the one the runtime handed to the Worker, body untouched (the
 * standalone Worker's entry); the proxy then passes a body on as the runtime's own stream, whose
 * length the runtime knows (proxy/request-body.ts). A library handler may get requests a host app
 * rebuilt, so it never assumes that.
 */
export function fediBffHandler(envFor: (env: Env) => Env = (env) => env, fromRuntime = false): FediBff {
  countEvents();
  const app = router(fromRuntime);
  const fetch = (request: Request, env: Env, ctx: ExecutionContext) => {
    const effective = envFor(env);
    return isApiRequest(request.url)
      ? serveApi(request, effective, renewToken, fromRuntime)
      : app.fetch(request, effective, ctx);
  };
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

function handles(request: Request | URL | string): boolean {
  const url = typeof request === "string" ? request : request instanceof URL ? request.href : request.url;
  const path = pathOf(url);
  return isFediBffPath(path);
}

/**
 * The raw path of an absolute URL or of a path (as the router sees it, before any decoding): it
 * ends at `?` or `#`, so `https://app.example?next=/auth/login` is the app's root, not fedi-bff's.
 */
function pathOf(url: string): string {
  const scheme = url.indexOf("://");
  const rest = scheme < 0 ? url : url.slice(scheme + 3);
  const end = rest.search(/[?#]/);
  const upToQuery = end < 0 ? rest : rest.slice(0, end);
  if (scheme < 0) return upToQuery;
  const start = upToQuery.indexOf("/");
  return start < 0 ? "/" : upToQuery.slice(start);
}

/** The operator's routes (src/admin/): health, instance status and repairs, metrics. */
const OPS = "/_fedi-bff";

function router(fromRuntime: boolean): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  // The API proxy applies its own deps, CORS, security headers and errors (proxy/entry.ts); as the
  // first route it ends the chain, so the `*` middlewares below never run for it.
  app.all("/api/*", (c) => serveApi(c.req.raw, c.env, renewToken, fromRuntime));
  app.use("*", async function requestStart(c, next) {
    trackRequest(c.req.raw, c.env.METRICS);
    await next();
  });
  // deps are missing only when building them failed (misconfigured): HTTPS is then assumed.
  app.use(
    "*",
    securityHeaders<AppEnv>((c) => c.get("deps")?.config.development !== true),
  );
  // Health answers even when the settings are broken: before the deps, which need valid ones.
  app.get(`${OPS}/live`, live);
  app.get(`${OPS}/ready`, (c) => ready(c.req.raw, c.env));
  app.use("*", async function depsHandler(c, next) {
    c.set("deps", await buildDeps(c.env, c.req.url));
    await next();
  });
  app.use("*", cors());
  app.get("/auth/login", login);
  app.post("/auth/login", login);
  // One callback per instance; the bare path only finishes logins started before it existed.
  app.get("/auth/callback/:host", authCallback);
  app.get("/auth/callback", authCallback);
  app.get("/auth/session", session);
  app.post("/auth/logout", logout);
  app.post("/auth/switch", switchTo);
  app.all("/instances/:host/api/*", publicProxy);
  app.get(`${OPS}/instances`, listInstances);
  app.get(`${OPS}/instances/:host`, showInstance);
  app.post(`${OPS}/instances/:host/:action`, actOnInstance);
  app.get(`${OPS}/metrics`, metrics);
  app.notFound(() => errorResponse(new BffError("not_found", "No such route.")));
  app.onError(async (error, c) => {
    if (c.req.path === "/auth/login") await loginStartFailed(c.req.raw, error);
    return errorToResponse(error, c.req.path);
  });
  return app;
}
