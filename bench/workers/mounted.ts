/**
 * fedi-bff mounted as a library in a Hono app of its own (docs/library.md):
 * the bench measures what the app's router and fedi-bff's middleware add in front of the proxy.
 */
import { Hono } from "hono";
import { createFediBff, type FediBffEnv, Registrar } from "../../src/lib.ts";

export { Registrar };

const bff = createFediBff();
const app = new Hono<{ Bindings: FediBffEnv }>();
app.use(bff.middleware);
app.get("/", (c) => c.text("the app's own page"));

export default app;
