/**
 * An app of its own (a home page and a JSON route) with fedi-bff mounted in it: fedi-bff answers
 * /auth/*, /api/* and /instances/*, the app everything else.
 */
import { createFediBff, type FediBffEnv, Registrar } from "fedi-bff";
import { Hono } from "hono";

// The Durable Object class named in wrangler.toml must be exported by the Worker's main module.
export { Registrar };

// Settings in code override the wrangler.toml variables of the same name; secrets stay secrets.
const bff = createFediBff({ appName: "Example client", scopes: ["read", "write"] });

const app = new Hono<{ Bindings: FediBffEnv }>();

app.use(bff.middleware);
app.get("/", (c) => c.html("<!doctype html><title>Example</title><h1>My fediverse client</h1>"));
app.get("/health", (c) => c.json({ ok: true, settings: bff.check(c.env).length === 0 }));

export default app;
