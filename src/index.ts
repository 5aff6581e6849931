/** fedi-bff: wires the Hono app (middleware, routes, errors) and exports the Durable Object. */
import { Hono } from "hono";
import { buildDeps } from "./context.ts";
import { demo } from "./demo/route.ts";
import { BffError, errorResponse, isBffError, logError } from "./errors.ts";
import { cors } from "./middleware/cors.ts";
import { securityHeaders } from "./middleware/security-headers.ts";
import { callback } from "./routes/callback.ts";
import { login } from "./routes/login.ts";
import { logout, switchAccount } from "./routes/logout.ts";
import { proxy } from "./routes/proxy.ts";
import { publicProxy } from "./routes/public.ts";
import { sessionInfo } from "./routes/session.ts";
import type { AppEnv } from "./types.ts";

export { Registrar } from "./instance/registrar.ts";

const app = new Hono<AppEnv>();

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
app.all("/api/*", proxy);
app.all("/instances/:host/api/*", publicProxy);
// The demo frontend at / (only with demoPage: development or DEMO_PAGE=true; else 404).
app.route("/", demo);

app.notFound(() => errorResponse(new BffError("not_found", "No such route.")));
app.onError((error, c) => {
  if (isBffError(error)) {
    logError(error, c.req.path);
    return errorResponse(error);
  }
  // Unexpected: a generic 500, the detail in the log only (never a stack to the client).
  console.error(JSON.stringify({ level: "error", path: c.req.path, error: String(error) }));
  return errorResponse(new BffError("internal_error", "Something went wrong in fedi-bff."));
});

export default app;
