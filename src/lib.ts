/**
 * The `fedi-bff` package: mount fedi-bff in your own Worker or Hono app.
 *
 *     import { createFediBff, Registrar } from "fedi-bff";
 *     export { Registrar };   // the Durable Object class your wrangler config names
 *     const bff = createFediBff({ appName: "My client" });
 *     export default bff.wrap(app);   // fedi-bff's paths first, then your app (a Hono app, or { fetch })
 */
export type { Env as FediBffEnv } from "./config/env.ts";
export type { FediBffOptions } from "./config/options.ts";
export { ERROR_STATUS, type ErrorCode } from "./errors.ts";
export type { EventName, Outcome, Reason } from "./events.ts";
export {
  type BffEvent,
  createFediBff,
  FEDI_BFF_PATHS,
  type FediBff,
  type FediBffHandlerOptions,
  type FediBffWorker,
  type WorkerApp,
} from "./fedi-bff.ts";
export { Registrar } from "./registry/registrar.ts";
