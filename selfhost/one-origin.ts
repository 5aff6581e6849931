/**
 * The self-hosted Worker with a frontend folder: selfhost/front.ts and fedi-bff's production bundle
 * in one isolate. The bundle is this Worker's second module (`fedi-bff-bundle.js`, exactly what
 * `wrangler deploy --dry-run` built), so fedi-bff's paths cost a function call, not a hop to
 * another service; the very same Request object (its `cf.clientIp`, the socket peer, included)
 * reaches fedi-bff.
 */
import fediBff, { Registrar } from "./fedi-bff-bundle.js";
import { type FilesEnv, serveFront } from "./front.ts";

// The Durable Object class must be exported by the Worker's main module.
export { Registrar };

export default {
  fetch(request: Request, env: FilesEnv, ctx: unknown): Promise<Response> {
    return serveFront(request, env, (forwarded) => fediBff.fetch(forwarded, env, ctx));
  },
};
