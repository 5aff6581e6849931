/** fedi-bff: wires the Hono app (middleware, routes, errors) and exports the Durable Object. */
import { Hono } from "hono/tiny";
import { buildDeps } from "./context.ts";
import { demo } from "./demo/route.ts";
import type { Env } from "./env.ts";
import { BffError, errorResponse } from "./errors.ts";
import { cors } from "./middleware/cors.ts";
import { errorToResponse } from "./middleware/errors.ts";
import { securityHeaders } from "./middleware/security-headers.ts";
import { isApiRequest, serveApi } from "./proxy/entry.ts";
import { callback } from "./routes/callback.ts";
import { login } from "./routes/login.ts";
import { logout, switchAccount } from "./routes/logout.ts";
import { publicProxy } from "./routes/public.ts";
import { sessionInfo } from "./routes/session.ts";
import type { AppEnv } from "./types.ts";

export { Registrar } from "./instance/registrar.ts";

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
