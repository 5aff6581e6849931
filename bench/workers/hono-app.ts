/**
 * The Hono app of bench/workers/mounted.ts without fedi-bff: what the app itself weighs, so the
 * bench can tell how much mounting fedi-bff adds to a Worker.
 */
import { Hono } from "hono";

const app = new Hono();
app.get("/", (c) => c.text("the app's own page"));

export default app;

/**
 * wrangler.toml binds the Registrar Durable Object, and wrangler refuses to build an entry that
 * does not export the class: an empty one stands in for it (a few bytes, and no fedi-bff code).
 */
export class Registrar {}
