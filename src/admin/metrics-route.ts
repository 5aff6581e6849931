/**
 * `GET /_fedi-bff/metrics`: the Prometheus text of src/admin/metrics.ts, on the self-hosted
 * loopback admin listener only and with the admin token (a scraper sends it as
 * `authorization: { credentials: … }`). Anywhere else it does not exist (404): on Cloudflare an
 * isolate's own counts mean nothing; the Analytics Engine binding is the metric there.
 */
import type { AppContext } from "../app/types.ts";
import { BffError } from "../errors.ts";
import { assertOperator, onAdminListener } from "./guard.ts";
import { prometheusText } from "./metrics.ts";

export async function metrics(c: AppContext): Promise<Response> {
  if (!onAdminListener(c.request)) throw new BffError("not_found", "No such route.");
  await assertOperator(c.request, c.deps.config);
  return new Response(prometheusText(), {
    headers: { "content-type": "text/plain; version=0.0.4; charset=utf-8", "cache-control": "no-store" },
  });
}
