import { describe, expect, it } from "vitest";
import { BffError } from "../../src/errors.ts";
import { readJson, type UpstreamContext, upstreamFetch } from "../../src/http/upstream.ts";

function ctx(fetch: UpstreamContext["fetch"], timeoutMs = 1000): UpstreamContext {
  return { fetch, userAgent: "fedi-bff/test", timeoutMs };
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return "no error";
  } catch (error) {
    return error instanceof BffError ? error.code : `unexpected ${String(error)}`;
  }
}

describe("upstreamFetch", () => {
  it("names a network failure instance_unreachable", async () => {
    const failing = ctx(async () => {
      throw new TypeError("Network connection lost.");
    });
    expect(await codeOf(upstreamFetch(failing, "https://a.example.net/x"))).toBe("instance_unreachable");
  });

  it("names a hung instance instance_timeout", async () => {
    const hung = ctx(
      (_input, init) =>
        new Promise((_resolve, reject) => {
          init?.signal?.addEventListener("abort", () => reject(init.signal?.reason));
        }),
      50,
    );
    expect(await codeOf(upstreamFetch(hung, "https://a.example.net/x"))).toBe("instance_timeout");
  });

  it("sends a User-Agent and never follows redirects", async () => {
    let seen: RequestInit | undefined;
    await upstreamFetch(
      ctx(async (_input, init) => {
        seen = init;
        return new Response("{}");
      }),
      "https://a.example.net/x",
    );
    expect(new Headers(seen?.headers).get("user-agent")).toBe("fedi-bff/test");
    expect(seen?.redirect).toBe("manual");
  });
});

describe("readJson", () => {
  it("refuses HTML, malformed and oversized bodies", async () => {
    const html = new Response("<html></html>", { headers: { "content-type": "text/html" } });
    expect(await codeOf(readJson(html, "registration_failed"))).toBe("registration_failed");
    const broken = new Response('{"a":', { headers: { "content-type": "application/json" } });
    expect(await codeOf(readJson(broken, "registration_failed"))).toBe("registration_failed");
    const big = new Response(JSON.stringify({ a: "x".repeat(2000) }), {
      headers: { "content-type": "application/json" },
    });
    expect(await codeOf(readJson(big, "registration_failed", 1000))).toBe("registration_failed");
  });

  it("reads a JSON body within the cap", async () => {
    const ok = new Response('{"a":1}', { headers: { "content-type": "application/json; charset=utf-8" } });
    expect(await readJson(ok, "registration_failed")).toEqual({ a: 1 });
  });
});
