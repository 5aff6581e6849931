/**
 * snac never answers a request whose body is chunked. A browser announces the length of every
 * form, JSON and file body; the proxy must pass it on as Content-Length while still streaming,
 * even though the body reaches the Worker as a stream (workerd sends a plain stream chunked).
 * The standalone Worker gets the runtime's own body, whose length the runtime knows; a library
 * handler may get a body a host app built in code, a stream with no known length.
 */
import { describe, expect, it } from "vitest";
import { createFediBff } from "../../src/fedi-bff.ts";
import { SMALL_BODY_BYTES } from "../../src/proxy/request-body.ts";
import { expectError } from "../helpers/bff.ts";
import { type FakeRequest, fakeState } from "../helpers/fake.ts";
import { MULTIPART_TYPE, multipart } from "../helpers/multipart.ts";
import { apiFromRuntime, bffRequest, handlerWith, type SignedIn, signedIn } from "./support.ts";

const MIB = 1024 * 1024;
const encoder = new TextEncoder();
// A snac that never answers would otherwise hold the test for the default 10 s.
const proxied = handlerWith(createFediBff(), { UPSTREAM_TIMEOUT: "3" });

/** `bytes` as a stream of 64 KiB chunks, the way a runtime hands over a request body. */
function streamOf(bytes: Uint8Array): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (offset >= bytes.byteLength) return controller.close();
      controller.enqueue(bytes.subarray(offset, offset + 64 * 1024));
      offset += 64 * 1024;
    },
  });
}

/** A POST through the proxy whose body is a stream of announced length, as a browser sends it. */
function post(who: SignedIn, path: string, type: string, bytes: Uint8Array): Promise<Response> {
  const headers = { "x-csrf": "1", "content-type": type, "content-length": String(bytes.byteLength) };
  const init = { method: "POST", headers, body: streamOf(bytes), duplex: "half" } as RequestInit;
  return proxied(bffRequest(path, who.jar, init));
}

async function lastRequest(host: string, path: string): Promise<FakeRequest | undefined> {
  return (await fakeState(host)).requests.filter((r) => r.path === path && r.method === "POST").at(-1);
}

describe("the standalone Worker passes the runtime's own body on with its length", () => {
  it("posts a status as a form and as JSON, and uploads a 3 MiB media file, none chunked", async () => {
    const who = await signedIn("snac");
    const form = encoder.encode("status=Hello+from+a+form");
    const type = { "content-type": "application/x-www-form-urlencoded" };
    const asForm = await apiFromRuntime("/api/v1/statuses", who.jar, {
      method: "POST",
      headers: type,
      body: form,
    });
    expect(asForm.status).toBe(200);
    const json = encoder.encode(JSON.stringify({ status: "Hello from JSON" }));
    const asJson = await apiFromRuntime("/api/v1/statuses", who.jar, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: json,
    });
    expect(asJson.status).toBe(200);
    expect(((await asJson.json()) as { content: string }).content).toContain("Hello from JSON");
    const seenJson = await lastRequest(who.host, "/api/v1/statuses");
    expect(seenJson?.headers["content-length"]).toBe(String(json.byteLength));
    expect(seenJson?.headers["transfer-encoding"]).toBeUndefined();
    const media = multipart(3 * MIB, "snac");
    const upload = await apiFromRuntime("/api/v2/media", who.jar, {
      method: "POST",
      headers: { "content-type": MULTIPART_TYPE },
      body: media,
    });
    expect(upload.status).toBe(202);
    const seenMedia = await lastRequest(who.host, "/api/v2/media");
    expect(seenMedia?.headers["content-length"]).toBe(String(media.byteLength));
    expect(seenMedia?.headers["transfer-encoding"]).toBeUndefined();
    expect((await fakeState(who.host)).uploads[0]?.bytes).toBe(media.byteLength);
  });
});

describe("a library handler keeps a body's announced length on snac (which never answers a chunked body)", () => {
  it("posts a status as a form and as JSON", async () => {
    const who = await signedIn("snac");
    const form = encoder.encode("status=Hello+from+a+form");
    const asForm = await post(who, "/api/v1/statuses", "application/x-www-form-urlencoded", form);
    expect(asForm.status, asForm.status === 504 ? await asForm.text() : "").toBe(200);
    const json = encoder.encode(JSON.stringify({ status: "Hello from JSON" }));
    const asJson = await post(who, "/api/v1/statuses", "application/json", json);
    expect(asJson.status).toBe(200);
    expect(((await asJson.json()) as { content: string }).content).toContain("Hello from JSON");
    const seen = await lastRequest(who.host, "/api/v1/statuses");
    expect(seen?.headers["content-length"]).toBe(String(json.byteLength));
    expect(seen?.headers["transfer-encoding"]).toBeUndefined();
  });

  it("uploads a 3 MiB media file", async () => {
    const who = await signedIn("snac");
    const body = multipart(3 * MIB, "snac");
    const res = await post(who, "/api/v2/media", MULTIPART_TYPE, body);
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ type: "image", description: "snac" });
    const seen = await lastRequest(who.host, "/api/v2/media");
    expect(seen?.headers["content-length"]).toBe(String(body.byteLength));
    expect(seen?.headers["transfer-encoding"]).toBeUndefined();
    expect((await fakeState(who.host)).uploads[0]?.bytes).toBe(body.byteLength);
  });

  /** A POST whose stream carries `sent` while its Content-Length announces `declared`. */
  function mismatched(who: SignedIn, declared: number, sent: Uint8Array): Promise<Response> {
    const headers = {
      "x-csrf": "1",
      "content-type": "application/x-www-form-urlencoded",
      "content-length": String(declared),
    };
    const init = { method: "POST", headers, body: streamOf(sent), duplex: "half" } as RequestInit;
    return proxied(bffRequest("/api/v1/statuses", who.jar, init));
  }

  it("refuses a small body longer or shorter than announced: 400 invalid_request, nothing posted", async () => {
    const who = await signedIn("snac");
    const long = encoder.encode("status=announced+shorter+than+sent");
    await expectError(await mismatched(who, 12, long), 400, "invalid_request");
    await expectError(await mismatched(who, 4096, long), 400, "invalid_request");
    const home = await proxied(bffRequest("/api/v1/timelines/home", who.jar, { headers: { "x-csrf": "1" } }));
    expect(await home.text()).not.toContain("annou");
  });

  it("reads a body built in code no further than its announced length", async () => {
    const who = await signedIn("snac");
    let pulled = 0;
    // 64 MiB on offer behind a Content-Length of 12 bytes.
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (pulled >= 64 * MIB) return controller.close();
        pulled += 4096;
        controller.enqueue(new Uint8Array(4096).fill(0x61));
      },
    });
    const headers = {
      "x-csrf": "1",
      "content-type": "application/x-www-form-urlencoded",
      "content-length": "12",
    };
    const init = { method: "POST", headers, body: endless, duplex: "half" } as RequestInit;
    await expectError(await proxied(bffRequest("/api/v1/statuses", who.jar, init)), 400, "invalid_request");
    // The first chunk already runs past 12 bytes (the stream may have been asked for one more).
    expect(pulled).toBeLessThanOrEqual(2 * 4096);
  });

  it("never lets a streamed body run past or short of its announced length: 502, and no status is posted", async () => {
    const who = await signedIn("snac");
    // Past the size read whole: these bodies are piped with their announced length.
    const big = encoder.encode(`status=annou${"n".repeat(SMALL_BODY_BYTES + 4096)}`);
    expect((await mismatched(who, SMALL_BODY_BYTES + 1024, big)).status).toBe(502);
    expect([502, 504]).toContain((await mismatched(who, SMALL_BODY_BYTES + 64 * 1024, big)).status);
    const home = await proxied(bffRequest("/api/v1/timelines/home", who.jar, { headers: { "x-csrf": "1" } }));
    expect(await home.text()).not.toContain("annou");
  });
});
