/** A small multipart/form-data body of a media upload, built whole, as the proxy tests send it. */

export const MULTIPART_BOUNDARY = "----fedi-bff-test-upload";
/** The Content-Type header of a body `multipart` builds. */
export const MULTIPART_TYPE = `multipart/form-data; boundary=${MULTIPART_BOUNDARY}`;

const encoder = new TextEncoder();

/** A description field and a PNG file field of `fileBytes` bytes (all `a`). */
export function multipart(fileBytes: number, description: string): Uint8Array {
  const head = encoder.encode(
    `--${MULTIPART_BOUNDARY}\r\nContent-Disposition: form-data; name="description"\r\n\r\n${description}\r\n` +
      `--${MULTIPART_BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\nContent-Type: image/png\r\n\r\n`,
  );
  const tail = encoder.encode(`\r\n--${MULTIPART_BOUNDARY}--\r\n`);
  const body = new Uint8Array(head.byteLength + fileBytes + tail.byteLength);
  body.set(head, 0);
  body.fill(0x61, head.byteLength, head.byteLength + fileBytes);
  body.set(tail, head.byteLength + fileBytes);
  return body;
}
