/** The standalone fedi-bff Worker: the library's handler with its settings from wrangler.toml. */
import type { Env } from "./config/env.ts";
import { createFediBff } from "./fedi-bff.ts";

export { Registrar } from "./registry/registrar.ts";

const bff = createFediBff();

export default { fetch: bff.fetch } satisfies ExportedHandler<Env>;
