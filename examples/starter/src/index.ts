/**
 * The Worker: fedi-bff in front of a Hono app. fedi-bff answers /auth/*, /api/* and /instances/*
 * before the app's router sees them; your routes answer the rest that reaches the Worker (list
 * them in wrangler.toml's run_worker_first); the static files in public/ are served before any of
 * this runs.
 */
import { createFediBff, type FediBffEnv, Registrar } from "fedi-bff";
import { Hono } from "hono";

// The Durable Object class wrangler.toml names (REGISTRAR) must be exported by the main module.
export { Registrar };

// Options override wrangler.toml's [vars] of the same name; SESSION_KEYS stays a secret.
const bff = createFediBff({ appName: "My fedi app" });

const app = new Hono<{ Bindings: FediBffEnv }>();
app.get("/hello", (c) => c.json({ hello: "from your own route" }));

export default bff.wrap(app) satisfies ExportedHandler<FediBffEnv>;
