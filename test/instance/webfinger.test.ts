/**
 * Login by handle sends GETs to hosts the handle's domain chooses: one resolution is bounded, and
 * outcomes are remembered per isolate so repeated starts do not fan out (instance/handle-memo.ts).
 */
import { describe, expect, it } from "vitest";
import { isBffError } from "../../src/errors.ts";
import type { FetchLike } from "../../src/http/upstream.ts";
import { FAILURE_WINDOW_MS, HandleMemo, HOST_FAILURE_LIMIT } from "../../src/instance/handle-memo.ts";
import type { HostPolicy, InstanceOrigin } from "../../src/instance/host.ts";
import { MAX_REQUESTS, parseHandle, resolveHandle } from "../../src/instance/webfinger.ts";

const PUBLIC: HostPolicy = { insecureHosts: new Set() };

/** An instance that answers through `answer`, recording every URL fetched. */
function upstream(answer: (url: URL) => Response) {
  const urls: string[] = [];
  const fetch: FetchLike = async (input) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    urls.push(url.href);
    return answer(url);
  };
  return { urls, ctx: { fetch, userAgent: "fedi-bff/test", timeoutMs: 1000 } };
}

const jrd = (host: string) =>
  Response.json({ links: [{ rel: "self", href: `https://${host}/users/alice` }] });
const notFound = () => new Response("not found", { status: 404 });

async function errorOf(promise: Promise<unknown>): Promise<{ code: string; retryAfter?: string }> {
  try {
    await promise;
  } catch (error) {
    if (isBffError(error)) return { code: error.code, retryAfter: error.headers["retry-after"] };
    throw error;
  }
  return { code: "none" };
}

const handle = (text: string) => parseHandle(text, PUBLIC) ?? expect.fail(`not a handle: ${text}`);

describe("one handle resolution", () => {
  it(`sends at most ${MAX_REQUESTS} requests, redirect hops included`, async () => {
    let hop = 0;
    const { urls, ctx } = upstream(
      () => new Response(null, { status: 302, headers: { location: `https://hop${++hop}.example.org/x` } }),
    );
    const result = await errorOf(
      resolveHandle(ctx, handle("alice@start.example.org"), PUBLIC, new HandleMemo()),
    );
    expect(result.code).toBe("handle_not_found");
    expect(urls).toHaveLength(MAX_REQUESTS);
  });
});

describe("a handle's domain that does not answer", () => {
  it("is instance_unreachable naming the domain, not a missing account, and is not remembered as one", async () => {
    let calls = 0;
    const fetch: FetchLike = async () => {
      calls++;
      throw new TypeError("Network connection lost.");
    };
    const ctx = { fetch, userAgent: "fedi-bff/test", timeoutMs: 1000 };
    const memo = new HandleMemo<InstanceOrigin>();
    const target = handle("alice@down.example.org");
    let error: unknown;
    try {
      await resolveHandle(ctx, target, PUBLIC, memo);
    } catch (e) {
      error = e;
    }
    expect(isBffError(error) && [error.code, error.message]).toEqual([
      "instance_unreachable",
      "down.example.org could not be reached to look up @alice@down.example.org; check the name, or try again later.",
    ]);
    const before = calls;
    expect((await errorOf(resolveHandle(ctx, target, PUBLIC, memo))).code).toBe("instance_unreachable");
    expect(calls).toBeGreaterThan(before);
  });
});

describe("the per-isolate memo", () => {
  it("answers a handle resolved a moment ago without a request", async () => {
    const { urls, ctx } = upstream(() => jrd("social.example.org"));
    const memo = new HandleMemo<InstanceOrigin>();
    const first = await resolveHandle(ctx, handle("alice@example.org"), PUBLIC, memo);
    const again = await resolveHandle(ctx, handle("@alice@example.org"), PUBLIC, memo);
    expect(again).toEqual(first);
    expect(first.host).toBe("social.example.org");
    expect(urls).toHaveLength(1);
  });

  it("backs off a domain whose own lookups keep failing (5xx): 429 rate_limited, no request, until the window ends", async () => {
    const { urls, ctx } = upstream(() => new Response("busy", { status: 503 }));
    const memo = new HandleMemo<InstanceOrigin>();
    let now = 1_000_000;
    const clock = () => now;
    for (let i = 0; i < HOST_FAILURE_LIMIT; i++) {
      const result = await errorOf(resolveHandle(ctx, handle(`u${i}@example.org`), PUBLIC, memo, clock));
      expect(result.code).toBe("handle_not_found");
    }
    const sent = urls.length;
    const blocked = await errorOf(resolveHandle(ctx, handle("new@example.org"), PUBLIC, memo, clock));
    expect(blocked).toEqual({ code: "rate_limited", retryAfter: String(FAILURE_WINDOW_MS / 1000) });
    expect(urls).toHaveLength(sent);
    now += FAILURE_WINDOW_MS;
    expect((await errorOf(resolveHandle(ctx, handle("new@example.org"), PUBLIC, memo, clock))).code).toBe(
      "handle_not_found",
    );
    expect(urls.length).toBeGreaterThan(sent);
  });

  it("keeps login by handle working at a domain after made-up names there (a miss counts per handle)", async () => {
    const { ctx } = upstream((url) =>
      url.searchParams.get("resource") === "acct:alice@example.org" ? jrd("social.example.org") : notFound(),
    );
    const memo = new HandleMemo<InstanceOrigin>();
    for (let i = 0; i < HOST_FAILURE_LIMIT * 2; i++) {
      expect((await errorOf(resolveHandle(ctx, handle(`made-up${i}@example.org`), PUBLIC, memo))).code).toBe(
        "handle_not_found",
      );
    }
    // The same made-up name is answered from memory.
    expect((await errorOf(resolveHandle(ctx, handle("made-up0@example.org"), PUBLIC, memo))).code).toBe(
      "handle_not_found",
    );
    expect((await resolveHandle(ctx, handle("alice@example.org"), PUBLIC, memo)).host).toBe(
      "social.example.org",
    );
  });

  it("keeps login by handle working at a domain that hostile domains redirect to, however often they fail", async () => {
    const { urls, ctx } = upstream((url) => {
      if (url.host !== "victim.example.org") {
        return new Response(null, { status: 301, headers: { location: "https://victim.example.org/boom" } });
      }
      if (url.pathname === "/boom") return new Response("oops", { status: 500 });
      return url.searchParams.get("resource") === "acct:alice@victim.example.org"
        ? jrd("victim.example.org")
        : notFound();
    });
    const memo = new HandleMemo<InstanceOrigin>();
    for (let i = 0; i < HOST_FAILURE_LIMIT * 2; i++) {
      await errorOf(resolveHandle(ctx, handle(`alice@d${i}.example.com`), PUBLIC, memo));
    }
    // Each of those resolutions reached the victim at most twice (WebFinger, host-meta).
    const atVictim = urls.filter((u) => u.startsWith("https://victim.example.org/"));
    expect(atVictim.length).toBeLessThanOrEqual(2 * HOST_FAILURE_LIMIT * 2);
    expect((await resolveHandle(ctx, handle("alice@victim.example.org"), PUBLIC, memo)).host).toBe(
      "victim.example.org",
    );
  });
});
