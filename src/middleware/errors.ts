/**
 * What every failure becomes (habit 1): a BffError its JSON answer, anything else a generic 500
 * with the detail in the log only (never a stack to the client). The router (app/handler.ts) and
 * the proxy's fast path (proxy/entry.ts) both answer through here.
 */
import { BffError, errorResponse, isBffError, logError } from "../errors.ts";
import { log } from "../log.ts";

export function errorToResponse(error: unknown, path: string): Response {
  if (isBffError(error)) {
    logError(error, path);
    return errorResponse(error);
  }
  log("error", "unexpected_error", { path, internal: String(error) });
  return errorResponse(new BffError("internal_error", "Something went wrong in fedi-bff."));
}
