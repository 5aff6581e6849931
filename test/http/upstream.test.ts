import { describe, expect, it } from "vitest";
import packageJson from "../../package.json";
import { BffError } from "../../src/errors.ts";
import { asRecord, readJson, type UpstreamContext, upstreamFetch, VERSION } from "../../src/http/upstream.ts";

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

describe("upstreamFetch on a connection lost before any answer", () => {
  /** A fetch whose first `failures` calls fail like a pooled connection the server had closed. */
  function flaky(failures: number): { ctx: UpstreamContext; calls: () => number } {
    let calls = 0;
    const fetch = async () => {
      calls++;
      if (calls <= failures) throw new Error("Network connection lost.");
      return new Response("{}");
    };
    return { ctx: ctx(fetch), calls: () => calls };
  }

  it("sends a GET once more, at once, and returns its answer", async () => {
    const { ctx: c, calls } = flaky(1);
    expect((await upstreamFetch(c, "https://a.example.net/x")).status).toBe(200);
    expect(calls()).toBe(2);
  });

  it("sends it only once more: a second loss is instance_unreachable", async () => {
    const { ctx: c, calls } = flaky(2);
    expect(await codeOf(upstreamFetch(c, "https://a.example.net/x"))).toBe("instance_unreachable");
    expect(calls()).toBe(2);
  });

  it("never repeats a POST (a code exchange may have spent its code) unless the caller opts in", async () => {
    const once = flaky(1);
    const post = { method: "POST", body: "code=abc" };
    expect(await codeOf(upstreamFetch(once.ctx, "https://a.example.net/oauth/token", post))).toBe(
      "instance_unreachable",
    );
    expect(once.calls()).toBe(1);
    const optedIn = flaky(1);
    const res = await upstreamFetch(optedIn.ctx, "https://a.example.net/api/v1/apps", post, {
      retryOnConnectionLoss: true,
    });
    expect(res.status).toBe(200);
    expect(optedIn.calls()).toBe(2);
  });

  it("never repeats a request that timed out", async () => {
    let calls = 0;
    const hung = ctx(
      (_input, init) =>
        new Promise((_resolve, reject) => {
          calls++;
          init?.signal?.addEventListener("abort", () => reject(init.signal?.reason));
        }),
      50,
    );
    expect(await codeOf(upstreamFetch(hung, "https://a.example.net/x"))).toBe("instance_timeout");
    expect(calls).toBe(1);
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

describe("asRecord", () => {
  it("gives a JSON object's fields and null for anything else, arrays included", () => {
    expect(asRecord({ a: 1 })).toEqual({ a: 1 });
    for (const value of [null, undefined, "x", 1, true, ["a"]]) expect(asRecord(value)).toBeNull();
  });
});

describe("the version fedi-bff names itself with", () => {
  it("is package.json's (the one source; the bundle must not carry package.json itself)", () => {
    expect(VERSION).toBe(packageJson.version);
  });
});
