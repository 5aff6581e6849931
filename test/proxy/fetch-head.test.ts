import { describe, expect, it } from "vitest";
import { type BffError, isBffError } from "../../src/errors.ts";
import { fetchWithHeadTimeout } from "../../src/proxy/fetch-head.ts";

async function failure(promise: Promise<unknown>): Promise<BffError> {
  try {
    await promise;
  } catch (error) {
    if (isBffError(error)) return error;
    throw error;
  }
  throw new Error("expected a failure");
}

// Miniflare turns a reset connection into a 500 answer; on Cloudflare, fetch rejects. The
// injected fetch shows the Worker's behaviour.
describe("upstream fetch with a head-only timeout", () => {
  it("sorts a network failure into 502 instance_unreachable", async () => {
    const fetch = () => Promise.reject(new TypeError("Network connection lost."));
    const error = await failure(
      fetchWithHeadTimeout({ fetch, timeoutMs: 1000, host: "a.example" }, "https://a.example/", {}),
    );
    expect([error.code, error.status]).toEqual(["instance_unreachable", 502]);
  });

  it("sorts a missing head into 504 instance_timeout", async () => {
    const fetch = () => new Promise<Response>(() => {});
    const error = await failure(
      fetchWithHeadTimeout({ fetch, timeoutMs: 50, host: "a.example" }, "https://a.example/", {}),
    );
    expect([error.code, error.status]).toEqual(["instance_timeout", 504]);
  });

  it("never follows redirects, and leaves the body alone once the head is there", async () => {
    let seen: RequestInit | undefined;
    const fetch = async (_: unknown, init?: RequestInit) => {
      seen = init;
      return new Response("slow body");
    };
    await fetchWithHeadTimeout({ fetch, timeoutMs: 30, host: "a.example" }, "https://a.example/", {});
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(seen?.redirect).toBe("manual");
    // No signal at all: nothing the head timeout does can reach the body.
    expect(seen?.signal).toBeUndefined();
  });
});

describe("the caller's request options", () => {
  it("are left as given: the manual redirect goes into a copy", async () => {
    let seen: RequestInit | undefined;
    const fetch = async (_: unknown, init?: RequestInit) => {
      seen = init;
      return new Response("ok");
    };
    const init: RequestInit = Object.freeze({ method: "GET", headers: { accept: "application/json" } });
    await fetchWithHeadTimeout({ fetch, timeoutMs: 1000, host: "a.example" }, "https://a.example/", init);
    expect(init).toEqual({ method: "GET", headers: { accept: "application/json" } });
    expect(seen).toEqual({ method: "GET", headers: { accept: "application/json" }, redirect: "manual" });
  });
});
