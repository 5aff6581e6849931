/**
 * The login flow's routes: the one place the router's context meets the wing. Each /auth request
 * is read once into an AuthRequest (request.ts) and handed to the flow.
 */
import type { AppHandler } from "../app/types.ts";
import { callback } from "./callback/callback.ts";
import { startLogin } from "./login/start.ts";
import { logout as logoutFlow, switchAccount } from "./logout.ts";
import { type AuthRequest, authRequest } from "./request.ts";
import { sessionInfo } from "./session.ts";

/** A route handler for a step of the flow. */
function route(step: (req: AuthRequest) => Promise<Response>): AppHandler {
  return (c) => step(authRequest(c.request, c.deps, (p) => c.ctx.waitUntil(p)));
}

/** `GET|POST /auth/login` */
export const login = route(startLogin);
/** `GET /auth/callback/<host>` (and the shared `/auth/callback` of logins started before it) */
export const authCallback = route(callback);
/** `GET /auth/session` */
export const session = route(sessionInfo);
/** `POST /auth/logout[?all=1]` */
export const logout = route(logoutFlow);
/** `POST /auth/switch` */
export const switchTo = route(switchAccount);
