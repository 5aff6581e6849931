/**
 * Reading a small request body without trusting its size: a declared `Content-Length` over the
 * limit is refused before a byte is read, and a body without one (chunked) is counted while it
 * streams and cancelled the moment it passes the limit. An isolate has 128 MB shared by every
 * request it serves, so a body is never buffered past what the route can use.
 */

import { BffError } from "../errors.ts";
import { readAtMost } from "./read-at-most.ts";

/** The most a login form may carry (instance, return_to and a few extras). */
export const LOGIN_FORM_LIMIT = 8192;
/** The most an account switch may carry (`{ "account": "<id>@<instance>" }`). */
export const SWITCH_BODY_LIMIT = 4096;

function tooLarge(limit: number, internal: string): BffError {
  return new BffError("payload_too_large", `The body is larger than ${limit} bytes.`, { internal });
}

/** The body as UTF-8 text, at most `limit` bytes; 413 `payload_too_large` beyond. */
export async function readBoundedText(request: Request, limit: number): Promise<string> {
  const declared = request.headers.get("content-length");
  if (declared !== null && Number(declared) > limit) {
    // Left unread, not cancelled: the runtime discards it (curl's `Expect: 100-continue` upload
    // never even starts), while a cancel under `wrangler dev`'s proxy turned the 413 into a 500.
    throw tooLarge(limit, `content-length ${declared.slice(0, 20)}`);
  }
  if (request.body === null) return "";
  const bytes = await readAtMost(request.body, limit);
  if (bytes === null) throw tooLarge(limit, `streamed body passed ${limit} bytes`);
  return new TextDecoder().decode(bytes);
}
