import { describe, expect, it } from "vitest";
import { safeContentType } from "../../src/proxy/content-type.ts";
import { type LinkContext, rewriteLinkHeader, rewriteUrl } from "../../src/proxy/links.ts";
import { upstreamRequestHeaders } from "../../src/proxy/request-headers.ts";
import { proxiedResponseHeaders } from "../../src/proxy/response-headers.ts";

const CTX: LinkContext = {
  base: "https://social.example.net/api/v1/timelines/home?limit=2",
  instanceOrigin: "https://social.example.net",
  publicOrigin: "https://bff.example.com",
  prefixes: ["/api/v1/", "/api/v2/"],
};

describe("Link and Location rewriting", () => {
  it("points instance API links at the BFF, absolute", () => {
    const link =
      '<https://social.example.net/api/v1/timelines/home?max_id=9>; rel="next", <https://social.example.net/api/v1/timelines/home?min_id=12>; rel="prev"';
    expect(rewriteLinkHeader(link, CTX)).toBe(
      '<https://bff.example.com/api/v1/timelines/home?max_id=9>; rel="next", <https://bff.example.com/api/v1/timelines/home?min_id=12>; rel="prev"',
    );
  });

  it("drops links to other hosts, other paths, and unparsable entries", () => {
    const link = [
      '<https://evil.example/api/v1/timelines/home?max_id=1>; rel="next"',
      '<https://social.example.net/oauth/authorize?x=1>; rel="authorize"',
      '<http://social.example.net/api/v1/x>; rel="downgrade"',
      '<https://social.example.net:8443/api/v1/x>; rel="port"',
      '<https://user:pw@social.example.net/api/v1/x>; rel="userinfo"',
      '<https://social.example.net/api/v1/a%2f..%2fb>; rel="encoded"',
      '<https://social.example.net/api/v1/ok?access_token=leak&a=1>; rel="prev"; title="a, b"',
      "<https://social.example.net/api/v1/bad-params>; rel=next\u0001",
    ].join(", ");
    expect(rewriteLinkHeader(link, CTX)).toBe(
      '<https://bff.example.com/api/v1/ok?a=1>; rel="prev"; title="a, b"',
    );
    expect(rewriteLinkHeader('<https://evil.example/api/v1/x>; rel="next"', CTX)).toBeNull();
  });

  it("resolves relative references against the upstream URL", () => {
    expect(rewriteUrl("/api/v1/statuses/5", CTX)).toBe("https://bff.example.com/api/v1/statuses/5");
    expect(rewriteUrl("../accounts/1", CTX)).toBe("https://bff.example.com/api/v1/accounts/1");
    expect(rewriteUrl("//evil.example/api/v1/x", CTX)).toBeNull();
    expect(rewriteUrl("/api/../oauth/token", CTX)).toBeNull();
    expect(rewriteUrl("javascript:alert(1)", CTX)).toBeNull();
    expect(rewriteUrl("https://social.example.net\\@evil.example/api/v1/x", CTX)).toBeNull();
  });
});

describe("content-type safety", () => {
  it.each([
    ["application/json; charset=utf-8", "application/json; charset=utf-8", true],
    ["application/json", "application/json; charset=utf-8", true],
    ["application/activity+json", "application/activity+json", true],
    ["text/event-stream", "text/event-stream", true],
    ["image/png", "image/png", false],
    ["video/mp4; codecs=avc1", "video/mp4", false],
    ["application/octet-stream", "application/octet-stream", false],
    ["text/html; charset=utf-8", "application/octet-stream", false],
    ["image/svg+xml", "application/octet-stream", false],
    ["IMAGE/SVG+XML", "application/octet-stream", false],
    ["application/xhtml+xml", "application/octet-stream", false],
    ["text/xml", "application/octet-stream", false],
    ["application/javascript", "application/octet-stream", false],
    ["text/plain", "application/octet-stream", false],
    ["application/pdf", "application/octet-stream", false],
    ["multipart/x-mixed-replace; boundary=x", "application/octet-stream", false],
    ["text/html, application/json", "application/octet-stream", false],
    ["application/json; charset=utf-7", "application/json; charset=utf-8", true],
    ["garbage", "application/octet-stream", false],
  ])("serves %j as %j (inline: %s)", (given, type, inline) => {
    expect(safeContentType(given, true)).toEqual({ type, inline });
  });

  it("marks a body without a type as a download, and a bodiless answer as nothing", () => {
    expect(safeContentType(null, true)).toEqual({ type: "application/octet-stream", inline: false });
    expect(safeContentType(null, false)).toEqual({ type: null, inline: false });
  });
});

describe("header allow-lists", () => {
  it("forwards only what the API reads, and the account's token", () => {
    const incoming = new Headers({
      accept: "application/json",
      "accept-language": "de",
      "content-type": "application/json",
      "idempotency-key": "k",
      cookie: "__Host-fedi-bff-session=x",
      authorization: "Bearer from-the-browser",
      "x-http-method-override": "DELETE",
      "x-forwarded-for": "10.0.0.1",
      "cf-connecting-ip": "10.0.0.1",
      origin: "https://bff.example.com",
      connection: "x-csrf",
      "x-csrf": "1",
    });
    const out = upstreamRequestHeaders(incoming, "tok", "fedi-bff/test");
    expect(Object.fromEntries(out)).toEqual({
      accept: "application/json",
      "accept-language": "de",
      "content-type": "application/json",
      "idempotency-key": "k",
      "user-agent": "fedi-bff/test",
      authorization: "Bearer tok",
    });
  });

  it("answers with allowed headers only, sandboxed and private", () => {
    const upstream = new Headers({
      "content-type": "text/html",
      "content-length": "12",
      "set-cookie": "_mastodon_session=abc",
      "access-control-allow-origin": "*",
      "content-security-policy": "script-src *",
      "cache-control": "public, max-age=3600",
      refresh: "0; url=https://evil.example/",
      etag: 'W/"1"',
      "x-ratelimit-remaining": "299",
      server: "Mastodon",
    });
    const out = Object.fromEntries(proxiedResponseHeaders(upstream, true, CTX));
    expect(out).toEqual({
      "content-type": "application/octet-stream",
      "content-length": "12",
      "content-disposition": "attachment",
      "content-security-policy": "sandbox; default-src 'none'",
      "x-content-type-options": "nosniff",
      "cache-control": "private, no-store",
      etag: 'W/"1"',
      "x-ratelimit-remaining": "299",
    });
  });

  it("does not pass a compressed length for a body the runtime decoded", () => {
    const upstream = new Headers({
      "content-type": "application/json",
      "content-encoding": "gzip",
      "content-length": "5",
    });
    const out = proxiedResponseHeaders(upstream, true, CTX);
    expect(out.get("content-encoding")).toBe("gzip");
    expect(out.get("content-length")).toBeNull();
  });
});
