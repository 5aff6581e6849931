/** The standalone fedi-bff Worker: the library's handler with its settings from wrangler.toml alone. */
import type { Env } from "./config/env.ts";
import { fediBffHandler } from "./fedi-bff.ts";

export { Registrar } from "./registry/registrar.ts";

/**
 * The runtime hands every request straight to this Worker (self-hosted too: the front module
 * passes the same Request object), so a request body is the runtime's own.
 */
const bff = fediBffHandler(undefined, true);

export default { fetch: bff.fetch } satisfies ExportedHandler<Env>;
