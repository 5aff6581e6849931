/**
 * The forwarded-answer step both proxies share (src/proxy/forward.ts): HEAD and null body statuses
 * never carry a body, and the BFF's own headers stay beside the proxied ones.
 */
import { describe, expect, it } from "vitest";
import { forwardedResponse } from "../../src/proxy/forward.ts";
import type { LinkContext } from "../../src/proxy/links.ts";

const LINKS: LinkContext = {
  base: "https://social.example.net/api/v1/statuses/1",
  instanceOrigin: "https://social.example.net",
  publicOrigin: "https://bff.example.com",
  prefixes: ["/api/v1/"],
};

function upstream(status: number, body: string | null): Response {
  // A 205 cannot be built with a body, but an instance can send one: a stream stands in for it.
  const res = new Response(body, {
    status: status === 205 ? 200 : status,
    headers: { "x-request-id": "r1" },
  });
  if (status !== 205) return res;
  return Object.defineProperty(res, "status", { value: 205 });
}

describe("the forwarded answer", () => {
  it("sends no body for a 205 Reset Content, even when the instance sent one", async () => {
    const res = forwardedResponse(upstream(205, "ignored"), "POST", LINKS);
    expect([res.status, res.body, res.headers.get("x-request-id")]).toEqual([205, null, "r1"]);
  });

  it("sends no body for a HEAD request, and keeps the head", async () => {
    const res = forwardedResponse(upstream(200, '{"a":1}'), "HEAD", LINKS);
    expect([res.status, res.body, res.headers.get("x-request-id")]).toEqual([200, null, "r1"]);
  });

  it("streams the body of an ordinary answer, with the BFF's own headers beside the proxied ones", async () => {
    const res = forwardedResponse(upstream(200, '{"a":1}'), "GET", LINKS, { "x-frame-options": "DENY" });
    // The type was not announced, so fedi-bff sends it as octet-stream: read the bytes.
    expect(new TextDecoder().decode(await res.arrayBuffer())).toBe('{"a":1}');
    expect(res.headers.get("x-frame-options")).toBe("DENY");
    expect(res.headers.get("cache-control")).toBe("private, no-store");
  });
});
