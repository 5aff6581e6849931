/**
 * The request body the proxy forwards, sent with its length.
 *
 * A browser announces the length of every body it can (a form, JSON, a file upload). workerd sends
 * a `ReadableStream` body chunked — even with a `Content-Length` header — unless the stream has a
 * known length, and snac never answers a chunked request body. So a body of announced length goes
 * out with it:
 *
 * - the runtime's own body of a request as the runtime handed it to the Worker is passed on as it
 *   is: the runtime framed it by its `Content-Length`, knows that length and sends it with it (no
 *   more and no fewer bytes arrive; a client that stops short fails the upstream request), and
 *   nothing is copied. JavaScript cannot tell such a stream from one built in code, so only the
 *   caller can say so (`fromRuntime`: the standalone Worker's entry and a library's `bff.wrap`,
 *   which receive the runtime's requests; a host app mounting fedi-bff by its `fetch` or
 *   middleware may have replaced the body);
 * - otherwise a small one (a status, a form: up to SMALL_BODY_BYTES) is read whole, never past
 *   its announced length, and sent as bytes — one copy of a few KiB costs the isolate less than
 *   setting up a pipe;
 * - a larger one (media) is piped through a `FixedLengthStream` of the announced length (Cloudflare
 *   Workers' identity stream with a known length): never buffered, every chunk flows on as it
 *   arrives.
 *
 * A body whose length nobody announced stays a chunked stream.
 */
import { BffError } from "../errors.ts";
import { readAtMost } from "../http/read-at-most.ts";

/** Up to 15 digits: far beyond any body a Worker accepts, and safe as a JavaScript number. */
const DECLARED_LENGTH = /^\d{1,15}$/;

/** Bodies up to this many bytes are read whole before they are sent. */
export const SMALL_BODY_BYTES = 64 * 1024;

export async function forwardedBody(
  request: Request,
  fromRuntime = false,
): Promise<Uint8Array | ReadableStream<Uint8Array> | null> {
  const body = request.body;
  if (body === null || fromRuntime) return body;
  const declared = request.headers.get("content-length");
  if (declared === null || !DECLARED_LENGTH.test(declared)) return body;
  const length = Number(declared);
  if (length <= SMALL_BODY_BYTES) {
    // Read up to the announced length and not a byte more: the runtime frames its own bodies by
    // their Content-Length, but a body a host app built in code may run on past what it announces,
    // and is then refused after `length` + 1 bytes, never read to its end.
    const bytes = await readAtMost(body, length);
    // The instance never sees a body that does not match its Content-Length.
    if (bytes === null || bytes.byteLength !== length) {
      throw new BffError("invalid_request", "The request body does not match its Content-Length.", {
        internal: `declared ${length}, ${bytes === null ? "more" : bytes.byteLength} bytes sent`,
      });
    }
    return bytes;
  }
  const fixed = new FixedLengthStream(length);
  // A body shorter or longer than announced errors the stream, and with it the upstream request
  // (502): the instance never sees a body that does not match its Content-Length.
  body.pipeTo(fixed.writable).catch(() => {});
  return fixed.readable;
}
