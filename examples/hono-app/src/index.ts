/**
 * An app of its own (a home page and a JSON route) with fedi-bff in front of it: fedi-bff answers
 * /auth/*, /api/* and /instances/* before the app's router sees them, the app everything else.
 */
import { createFediBff, type FediBffEnv, Registrar } from "fedi-bff";
import { Hono } from "hono";

// The Durable Object class named in wrangler.toml must be exported by the Worker's main module.
export { Registrar };

// Settings in code override the wrangler.toml variables of the same name; secrets stay secrets.
const bff = createFediBff({ appName: "Example client", scopes: ["read", "write"] });

const app = new Hono<{ Bindings: FediBffEnv }>();

app.get("/", (c) => c.html("<!doctype html><title>Example</title><h1>My fediverse client</h1>"));
app.get("/health", (c) => c.json({ ok: true, settings: bff.check(c.env).length === 0 }));

// The Worker's entry: fedi-bff's paths first, everything else to the app as it is.
export default bff.wrap(app) satisfies ExportedHandler<FediBffEnv>;
