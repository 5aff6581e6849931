import { expect, it } from "vitest";
import { type FakeUpload, fakeState } from "../helpers/fake.ts";
import { apiFromRuntime, signedIn } from "./support.ts";

const MIB = 1024 * 1024;
const PAYLOAD = 64 * MIB;
const CHUNK = 256 * 1024;
const BOUNDARY = "----fedi-bff-upload-test";
const encoder = new TextEncoder();
const HEAD = encoder.encode(
  `--${BOUNDARY}\r\nContent-Disposition: form-data; name="description"\r\n\r\nbig\r\n` +
    `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="big.mp4"\r\nContent-Type: video/mp4\r\n\r\n`,
);
const TAIL = encoder.encode(`\r\n--${BOUNDARY}--\r\n`);
const TOTAL = HEAD.byteLength + PAYLOAD + TAIL.byteLength;

/**
 * A multipart body of 64 MiB, generated chunk by chunk (never held whole). Halfway through it asks
 * the fake instance how much it has received: a BFF that buffered the upload would have forwarded
 * nothing yet.
 */
function multipart(
  host: string,
  midway: (upload: FakeUpload | undefined) => void,
): ReadableStream<Uint8Array> {
  let sent = 0;
  let checked = false;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(HEAD);
    },
    async pull(controller) {
      if (!checked && sent >= PAYLOAD / 2) {
        checked = true;
        await new Promise((resolve) => setTimeout(resolve, 200));
        midway((await fakeState(host)).uploads[0]);
      }
      if (sent >= PAYLOAD) {
        controller.enqueue(TAIL);
        controller.close();
        return;
      }
      controller.enqueue(new Uint8Array(CHUNK).fill(0x61));
      sent += CHUNK;
    },
  });
}

it("streams a 64 MiB media upload to the instance as it arrives", { timeout: 120_000 }, async () => {
  const { host, jar } = await signedIn();
  let midway: FakeUpload | undefined;
  const started = Date.now();
  // A browser announces the length of a file upload; the proxy passes it on (snac needs it). The
  // body reaches the Worker through the runtime, as a browser's does, with that length.
  const body = new FixedLengthStream(TOTAL);
  void multipart(host, (upload) => {
    midway = upload;
  }).pipeTo(body.writable);
  const res = await apiFromRuntime("/api/v2/media", jar, {
    method: "POST",
    headers: { "content-type": `multipart/form-data; boundary=${BOUNDARY}` },
    body: body.readable,
  });
  const elapsed = Date.now() - started;
  expect(res.status).toBe(202);
  expect(await res.json()).toMatchObject({ type: "video", description: "big" });
  const state = await fakeState(host);
  const [upload] = state.uploads;
  expect(upload?.bytes).toBe(TOTAL);
  const request = state.requests.find((r) => r.path === "/api/v2/media");
  expect(request?.headers["content-length"]).toBe(String(TOTAL));
  expect(request?.headers["transfer-encoding"]).toBeUndefined();
  // Halfway through sending, the instance already had part of the body — but not all of it.
  expect(midway?.firstByteAt).not.toBeNull();
  expect(midway?.bytes ?? 0).toBeGreaterThan(0);
  expect(midway?.bytes ?? TOTAL).toBeLessThan(TOTAL);
  console.info(`64 MiB upload through the proxy: ${elapsed} ms`);
});
