/**
 * fedi-bff as a library in front of a Hono app of its own, the way docs/library.md recommends
 * (`bff.wrap(app)`): the bench measures what the library adds over the standalone Worker when
 * fedi-bff's paths are answered before the app's router. (`app.use(bff.middleware)` would run
 * the app's router first on each of them.)
 */
import { Hono } from "hono";
import { createFediBff, type FediBffEnv, Registrar } from "../../src/lib.ts";

export { Registrar };

const bff = createFediBff();
const app = new Hono<{ Bindings: FediBffEnv }>();
app.get("/", (c) => c.text("the app's own page"));

export default bff.wrap(app) satisfies ExportedHandler<FediBffEnv>;
