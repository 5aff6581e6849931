/**
 * The Hono app of bench/workers/mounted.ts without fedi-bff: what the app itself weighs, so the
 * bench can tell how much mounting fedi-bff adds to a Worker.
 */
import { Hono } from "hono";

const app = new Hono();
app.get("/", (c) => c.text("the app's own page"));

export default app;
