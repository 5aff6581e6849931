/**
 * The request body the proxy forwards: streamed, never buffered, and sent with its length.
 *
 * A browser announces the length of every body it can (a form, JSON, a file upload). workerd sends
 * a `ReadableStream` body chunked — even with a `Content-Length` header — unless the stream has a
 * known length, and snac never answers a chunked request body. Piping the body through a
 * `FixedLengthStream` of the announced length (Cloudflare Workers' identity stream with a known
 * length) makes the upstream request carry `Content-Length` while every chunk still flows
 * through as it arrives. A body whose length nobody announced stays chunked.
 */

/** Up to 15 digits: far beyond any body a Worker accepts, and safe as a JavaScript number. */
const DECLARED_LENGTH = /^\d{1,15}$/;

export function forwardedBody(request: Request): ReadableStream<Uint8Array> | null {
  const body = request.body;
  if (body === null) return null;
  const declared = request.headers.get("content-length");
  if (declared === null || !DECLARED_LENGTH.test(declared)) return body;
  const fixed = new FixedLengthStream(Number(declared));
  // A body shorter or longer than announced errors the stream, and with it the upstream request
  // (502): the instance never sees a body that does not match its Content-Length.
  body.pipeTo(fixed.writable).catch(() => {});
  return fixed.readable;
}
