/** fedi-bff: wires the Hono app (middleware, routes, errors) and exports the Durable Object. */
import { Hono } from "hono/tiny";
import { buildDeps } from "./app/deps.ts";
import type { AppEnv } from "./app/types.ts";
import { callback } from "./auth/callback.ts";
import { login } from "./auth/login.ts";
import { logout, switchAccount } from "./auth/logout.ts";
import { sessionInfo } from "./auth/session.ts";
import type { Env } from "./config/env.ts";
import { demo } from "./demo/route.ts";
import { BffError, errorResponse } from "./errors.ts";
import { cors } from "./middleware/cors.ts";
import { errorToResponse } from "./middleware/errors.ts";
import { securityHeaders } from "./middleware/security-headers.ts";
import { isApiRequest, serveApi } from "./proxy/entry.ts";
import { publicProxy } from "./public/route.ts";

export { Registrar } from "./registry/registrar.ts";

const app = new Hono<AppEnv>();

// The API proxy applies its own deps, CORS, security headers and errors (proxy/entry.ts); as the
// first route it ends the chain, so the `*` middlewares below never run for it.
app.all("/api/*", (c) => serveApi(c.req.raw, c.env));

app.use("*", securityHeaders());
app.use("*", async function depsHandler(c, next) {
  c.set("deps", await buildDeps(c.env, c.req.url));
  await next();
});
app.use("*", cors());

app.get("/auth/login", login);
app.post("/auth/login", login);
app.get("/auth/callback", callback);
app.get("/auth/session", sessionInfo);
app.post("/auth/logout", logout);
app.post("/auth/switch", switchAccount);
app.all("/instances/:host/api/*", publicProxy);
// The demo frontend at / (only with demoPage: development or DEMO_PAGE=true; else 404).
app.route("/", demo);

app.notFound(() => errorResponse(new BffError("not_found", "No such route.")));
app.onError((error, c) => errorToResponse(error, c.req.path));

/** The Worker. The hot path: requests under /api/ skip the router (same answer as the route above). */
export default {
  fetch(request: Request, env: Env, ctx: ExecutionContext): Response | Promise<Response> {
    return isApiRequest(request.url) ? serveApi(request, env) : app.fetch(request, env, ctx);
  },
} satisfies ExportedHandler<Env>;
