/**
 * fedi-bff's app: every request the API's fast path (proxy/entry.ts) does not take, through the
 * same steps, in the same order, as the Hono app it replaces:
 *
 * 1. the request is tracked (its id and Analytics Engine dataset, events.ts);
 * 2. the security headers go on every answer of the steps below, errors and 404s included;
 * 3. the health routes answer before the settings are read, so they answer when those are broken;
 * 4. the deps are built (app/deps.ts); a failure there is the answer (500 `misconfigured`);
 * 5. CORS: a preflight is answered, a listed origin gets the grant on every answer below;
 * 6. the routes, and a JSON 404 `not_found` for a path or method none of them takes;
 * 7. every failure becomes its JSON error (middleware/errors.ts) where it happens, so the steps
 *    around it still apply: never an unhandled exception, never a stack.
 *
 * HEAD is answered as GET (the route table matches it so) without the body.
 */
import type { Env } from "../config/env.ts";
import { BffError, errorResponse } from "../errors.ts";
import { trackRequest } from "../events.ts";
import { withCors } from "../middleware/cors.ts";
import { errorToResponse } from "../middleware/errors.ts";
import { secureAnswer } from "../middleware/security-headers.ts";
import { rawPath } from "../paths.ts";
import { serveApi } from "../proxy/entry.ts";
import { buildDeps, type Deps } from "./deps.ts";
import { renewToken } from "./renew.ts";
import type { Matched, RouteTable } from "./router.ts";
import type { AppHandler, OpenHandler } from "./types.ts";

export interface AppRoutes {
  /** Routes answered before the deps are built (step 3). */
  readonly open: RouteTable<OpenHandler>;
  /** The app's routes (step 6). */
  readonly routes: RouteTable<AppHandler>;
  /** Told of each failure before it is answered, with the pattern of the route the request matched. */
  readonly onError?: (error: unknown, request: Request, pattern: string | null) => Promise<void> | undefined;
}

export type AppFetch = (request: Request, env: Env, ctx: ExecutionContext) => Promise<Response>;

/** The app for `app`'s routes; `fromRuntime` as for the API proxy (proxy/entry.ts). */
export function appHandler(app: AppRoutes, fromRuntime: boolean): AppFetch {
  return async function fediBffApp(request, env, ctx) {
    const path = rawPath(request.url);
    // `/api` itself is the API proxy's too (which refuses it); `/api/…` never gets here: the
    // fast path (fedi-bff.ts) takes it first.
    const res =
      path === "/api"
        ? await serveApi(request, env, renewToken, fromRuntime)
        : await answer(app, request, env, ctx, path).catch((error: unknown) =>
            secureAnswer(errorToResponse(error, path), path, true),
          );
    // RFC 9110 §9.3.2: the GET answer's status and headers, without its content.
    return request.method === "HEAD" && res.body !== null ? new Response(null, res) : res;
  };
}

async function answer(
  app: AppRoutes,
  request: Request,
  env: Env,
  ctx: ExecutionContext,
  path: string,
): Promise<Response> {
  trackRequest(request, env.METRICS);
  const route = app.routes(request.method, path);
  const failed = async (error: unknown) => {
    await app.onError?.(error, request, route?.pattern ?? null);
    return errorToResponse(error, path);
  };
  let deps: Deps | undefined;
  let res: Response;
  try {
    const open = app.open(request.method, path);
    if (open !== null) {
      res = await open.handler({ request, env });
    } else {
      const built = await buildDeps(env, request.url);
      deps = built;
      res = await withCors(request, built.config, () =>
        routed(route, { request, env, ctx, deps: built }).catch(failed),
      );
    }
  } catch (error) {
    res = await failed(error);
  }
  // Without deps (they failed, or were not needed) HTTPS is assumed.
  return secureAnswer(res, path, deps?.config.development !== true);
}

async function routed(
  route: Matched<AppHandler> | null,
  c: { request: Request; env: Env; ctx: ExecutionContext; deps: Deps },
): Promise<Response> {
  if (route === null) return errorResponse(new BffError("not_found", "No such route."));
  return route.handler({ ...c, params: route.params });
}
