/** The standalone fedi-bff Worker: the library's handler with its settings from wrangler.toml alone. */
import type { Env } from "./config/env.ts";
import { fediBffHandler } from "./fedi-bff.ts";

export { Registrar } from "./registry/registrar.ts";

const bff = fediBffHandler();

export default { fetch: bff.fetch } satisfies ExportedHandler<Env>;
