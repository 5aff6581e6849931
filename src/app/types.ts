/** What fedi-bff's routes get from its router (app/handler.ts) in place of a framework's context. */
import type { Env } from "../config/env.ts";
import type { Deps } from "./deps.ts";
import type { Params } from "./router.ts";

/** A route's view of one request: the request, the Worker's env and context, the deps, the route's parameters. */
export interface AppContext {
  readonly request: Request;
  readonly env: Env;
  readonly ctx: ExecutionContext;
  readonly deps: Deps;
  readonly params: Params;
}

export type AppHandler = (c: AppContext) => Response | Promise<Response>;

/** A route answered before the deps are built (health): it reads only the request and the env. */
export type OpenHandler = (c: {
  readonly request: Request;
  readonly env: Env;
}) => Response | Promise<Response>;
