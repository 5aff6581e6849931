/**
 * The demo frontend at `/` (with `/demo.js` and `/demo.css`): served only when the config enables
 * it (development, or DEMO_PAGE=true); otherwise these paths are 404 like any unknown route.
 */
import { Hono } from "hono/tiny";
import type { AppContext, AppEnv } from "../app/types.ts";
import { BffError, errorResponse } from "../errors.ts";
import { DEMO_JS } from "./client.ts";
import { DEMO_HTML, demoCsp } from "./page.ts";
import { DEMO_CSS } from "./style.ts";

export const demo = new Hono<AppEnv>();

demo.get("/", (c) => serve(c, DEMO_HTML, "text/html; charset=utf-8"));
demo.get("/demo.js", (c) => serve(c, DEMO_JS, "text/javascript; charset=utf-8"));
demo.get("/demo.css", (c) => serve(c, DEMO_CSS, "text/css; charset=utf-8"));

function serve(c: AppContext, body: string, type: string): Response {
  const { config } = c.var.deps;
  if (!config.demoPage) return errorResponse(new BffError("not_found", "No such route."));
  return new Response(body, {
    headers: {
      "content-type": type,
      "content-security-policy": demoCsp(config),
      "cache-control": "no-cache",
    },
  });
}
