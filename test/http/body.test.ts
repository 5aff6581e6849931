/**
 * Small request bodies are read only up to their limit: a declared Content-Length over it is
 * refused unread, a streamed body is cancelled once it passes it, and the answer is 413
 * `payload_too_large` — at /auth/login (after the rate limiter) and at /auth/switch.
 */
import { describe, expect, it } from "vitest";
import { LOGIN_FORM_LIMIT, readBoundedText, SWITCH_BODY_LIMIT } from "../../src/http/body.ts";
import { BFF, bff, expectError, fullLogin } from "../helpers/bff.ts";
import { fakeState, uniqueHost } from "../helpers/fake.ts";

const FROM_APP = { origin: BFF, "sec-fetch-site": "same-origin" };
const FORM = { ...FROM_APP, "content-type": "application/x-www-form-urlencoded" };
const CHUNK = 64 * 1024;

/** A body of `total` bytes made on demand, recording how much of it was pulled and whether it was cancelled. */
function meteredStream(total: number) {
  const meter = { pulled: 0, cancelled: false };
  const chunk = new TextEncoder().encode("a".repeat(CHUNK));
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (meter.pulled >= total) return controller.close();
      meter.pulled += chunk.byteLength;
      controller.enqueue(chunk);
    },
    cancel() {
      meter.cancelled = true;
    },
  });
  return { stream, meter };
}

/** A form whose `instance` field pads it to exactly `bytes` bytes. */
function formOfSize(host: string, bytes: number): string {
  const head = `instance=${host}&pad=`;
  return head + "x".repeat(bytes - head.length);
}

describe("readBoundedText", () => {
  it("refuses a declared Content-Length over the limit without reading a byte", async () => {
    const { stream, meter } = meteredStream(16 * CHUNK);
    const request = new Request(BFF, {
      method: "POST",
      body: stream,
      headers: { "content-length": String(16 * CHUNK) },
    });
    await expect(readBoundedText(request, LOGIN_FORM_LIMIT)).rejects.toMatchObject({
      code: "payload_too_large",
      status: 413,
    });
    expect(meter.pulled).toBeLessThanOrEqual(CHUNK);
  });

  it("cancels a streamed body as soon as it passes the limit", async () => {
    const { stream, meter } = meteredStream(256 * CHUNK);
    const request = new Request(BFF, { method: "POST", body: stream });
    await expect(readBoundedText(request, SWITCH_BODY_LIMIT)).rejects.toMatchObject({
      code: "payload_too_large",
    });
    expect(meter.cancelled).toBe(true);
    expect(meter.pulled).toBeLessThanOrEqual(2 * CHUNK);
  });
});

describe("POST /auth/login body", () => {
  it("accepts a form of exactly the limit and answers 413 payload_too_large one byte over", async () => {
    const host = uniqueHost("mastodon");
    const ok = await bff("/auth/login", {
      method: "POST",
      headers: FORM,
      body: formOfSize(host, LOGIN_FORM_LIMIT),
    });
    expect(ok.status).toBe(302);
    const over = await bff("/auth/login", {
      method: "POST",
      headers: FORM,
      body: formOfSize(host, LOGIN_FORM_LIMIT + 1),
    });
    await expectError(over, 413, "payload_too_large");
  });

  it("stops reading a streamed (chunked) form at the limit: 413 payload_too_large", async () => {
    const host = uniqueHost("mastodon");
    const { stream, meter } = meteredStream(512 * CHUNK);
    const res = await bff("/auth/login", { method: "POST", headers: FORM, body: stream });
    await expectError(res, 413, "payload_too_large");
    // The 32 MiB on offer are left unread (a few chunks may sit in the pipe's buffers).
    expect(meter.pulled).toBeLessThan(16 * CHUNK);
    expect((await fakeState(host)).requests).toEqual([]);
  });

  it("runs the rate limiter before reading the body", async () => {
    const ip = "203.0.113.77";
    const host = uniqueHost("mastodon");
    for (let i = 0; i < 1000; i++) {
      const res = await bff(`/auth/login?instance=${host}`, { headers: { "cf-connecting-ip": ip } });
      if (res.status === 429) break;
      expect(res.status).toBe(302);
    }
    const { stream, meter } = meteredStream(512 * CHUNK);
    const res = await bff("/auth/login", {
      method: "POST",
      headers: { ...FORM, "cf-connecting-ip": ip },
      body: stream,
    });
    await expectError(res, 429, "rate_limited");
    expect(meter.pulled).toBeLessThan(16 * CHUNK);
  });
});

describe("POST /auth/switch body", () => {
  it("answers 413 payload_too_large to a body over the limit, declared or streamed", async () => {
    const { jar } = await fullLogin(uniqueHost("mastodon"));
    const json = { ...FROM_APP, "x-csrf": "1", "content-type": "application/json" };
    const padded = JSON.stringify({ account: "1@x", pad: "x".repeat(SWITCH_BODY_LIMIT) });
    await expectError(
      await bff("/auth/switch", { method: "POST", jar, headers: json, body: padded }),
      413,
      "payload_too_large",
    );
    const { stream, meter } = meteredStream(512 * CHUNK);
    const res = await bff("/auth/switch", { method: "POST", jar, headers: json, body: stream });
    await expectError(res, 413, "payload_too_large");
    expect(meter.pulled).toBeLessThan(16 * CHUNK);
  });
});
