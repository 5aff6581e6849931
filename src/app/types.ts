/** Hono's typing of this app: the Worker env and the per-request dependencies. */
import type { Context } from "hono";
import type { Env } from "../config/env.ts";
import type { Deps } from "./deps.ts";

export interface AppEnv {
  Bindings: Env;
  Variables: { deps: Deps };
}

export type AppContext = Context<AppEnv>;
