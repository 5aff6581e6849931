/** Hono's typing of this app: the Worker env and the per-request dependencies. */
import type { Context } from "hono";
import type { Deps } from "./context.ts";
import type { Env } from "./env.ts";

export interface AppEnv {
  Bindings: Env;
  Variables: { deps: Deps };
}

export type AppContext = Context<AppEnv>;
