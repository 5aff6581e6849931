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
 * - otherwise a small one (a status, a form: up to SMALL_BODY_BYTES) is read whole and sent as
 *   bytes — one copy of a few KiB costs the isolate less than setting up a pipe, and its size is
 *   bounded;
 * - a larger one (media) is piped through a `FixedLengthStream` of the announced length (Cloudflare
 *   Workers' identity stream with a known length): never buffered, every chunk flows on as it
 *   arrives.
 *
 * A body whose length nobody announced stays a chunked stream.
 */
import { BffError } from "../errors.ts";

/** Up to 15 digits: far beyond any body a Worker accepts, and safe as a JavaScript number. */
const DECLARED_LENGTH = /^\d{1,15}$/;

/** Bodies up to this many bytes are read whole before they are sent. */
export const SMALL_BODY_BYTES = 64 * 1024;

export async function forwardedBody(
  request: Request,
  fromRuntime = false,
): Promise<ArrayBuffer | ReadableStream<Uint8Array> | null> {
  const body = request.body;
  if (body === null || fromRuntime) return body;
  const declared = request.headers.get("content-length");
  if (declared === null || !DECLARED_LENGTH.test(declared)) return body;
  const length = Number(declared);
  if (length <= SMALL_BODY_BYTES) {
    // Read natively in one go. Bounded: the runtime frames a request body by its Content-Length,
    // so at most `length` bytes arrive (a body built in code that says otherwise is refused).
    const bytes = await request.arrayBuffer();
    // The instance never sees a body that does not match its Content-Length.
    if (bytes.byteLength !== length) {
      throw new BffError("invalid_request", "The request body does not match its Content-Length.", {
        internal: `declared ${length}, ${bytes.byteLength} bytes sent`,
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
