import { beforeAll, describe, expect, it } from "vitest";
import { BFF, bff, type CookieJar, expectError, fullLogin } from "../helpers/bff.ts";
import { fakeState, injectFault, unexpectedHosts, uniqueHost } from "../helpers/fake.ts";

let host: string;
let jar: CookieJar;
beforeAll(async () => {
  host = uniqueHost("mastodon");
  ({ jar } = await fullLogin(host));
});

/** A unique API path on the fake (an unknown status id answers 404 JSON), so each test reads its own log. */
function freshPath(): string {
  return `/api/v1/statuses/${crypto.getRandomValues(new Uint32Array(1))[0]}`;
}

function api(path: string, headers: Record<string, string> = {}, env = {}) {
  return bff(path, { jar, headers: { "x-csrf": "1", ...headers }, env });
}

async function lastSeen(path: string) {
  const requests = (await fakeState(host)).requests.filter((r) => r.path === path);
  return requests.at(-1);
}

describe("hostile request headers never reach the instance", () => {
  const HOSTILE: Record<string, string> = {
    authorization: "Basic YXR0YWNrZXI6cGFzcw==",
    "proxy-authorization": "Basic eDp5",
    "x-forwarded-for": "127.0.0.1",
    "x-forwarded-host": "evil.example.org",
    "x-forwarded-proto": "http",
    forwarded: "for=127.0.0.1;host=evil.example.org",
    "x-real-ip": "127.0.0.1",
    "true-client-ip": "127.0.0.1",
    "x-original-url": "/oauth/token",
    "x-rewrite-url": "/oauth/token",
    "x-http-method-override": "DELETE",
    "x-method-override": "DELETE",
    "x-account": "1@evil.example.org",
    origin: BFF,
    referer: `${BFF}/secret?code=abc`,
    "x-csrf": "1",
    "cf-connecting-ip": "203.0.113.1",
    "cf-ipcountry": "XX",
    "x-middleware-subrequest": "middleware",
    "sec-fetch-site": "same-origin",
    "accept-encoding": "identity",
    te: "trailers",
    "x-fedi-bff-debug": "1",
  };

  it("forwards none of the browser's hostile headers, only the account's Bearer token", async () => {
    const path = freshPath();
    const headers = { ...HOSTILE };
    delete headers["x-account"];
    const res = await api(path, headers);
    expect(res.status).toBe(404);
    const seen = await lastSeen(path);
    expect(seen?.headers.authorization).toBe("Bearer <redacted>");
    // The runtime adds its own Accept-Encoding and connection headers; none may carry the browser's value.
    const leaked = Object.entries(HOSTILE).filter(([name, value]) => seen?.headers[name] === value);
    expect(leaked).toEqual([]);
    expect(seen?.headers.cookie).toBeUndefined();
  });

  it("refuses an X-Account naming an account the session does not hold: 400 invalid_account, nothing sent", async () => {
    const path = freshPath();
    await expectError(await api(path, { "x-account": "1@evil.example.org" }), 400, "invalid_account");
    expect(await lastSeen(path)).toBeUndefined();
  });

  it.each([
    "?access_token=stolen",
    "?ACCESS_TOKEN=stolen",
    "?Access_Token=stolen",
    "?access%5Ftoken=stolen",
    "?%61ccess_token=stolen",
    "?access_token%00=stolen",
    "?access_token[]=stolen",
    "?access_token=a&access_token=b",
    "?limit=1&access_token=stolen&max_id=2",
    "?+access_token=stolen",
    "?access_token",
  ])("strips the access_token in %s before forwarding", async (query) => {
    const path = freshPath();
    await api(`${path}${query}`);
    const seen = await lastSeen(path);
    expect(Object.keys(seen?.query ?? {}).filter((k) => /access.?token/i.test(k.trim()))).toEqual([]);
  });
});

describe("hostile response types and headers never become a page on the BFF's origin", () => {
  it.each([
    "text/html",
    "text/html; charset=utf-8",
    "TEXT/HTML",
    "application/xhtml+xml",
    "image/svg+xml",
    "text/xml",
    "application/xml",
    "application/javascript",
    "text/javascript",
    "application/ecmascript",
    "text/css",
    "multipart/x-mixed-replace; boundary=x",
    "application/pdf",
    "application/x-shockwave-flash",
    "text/plain; charset=utf-7",
    "application/json; charset=utf-7",
    "text/html, application/json",
    "application/json, text/html",
    "video/vnd.mpegurl",
    "audio/mpegurl",
    "text/vtt",
    "message/rfc822",
    "",
  ])("serves an instance answer typed %j as sandboxed, unsniffable, non-script", async (type) => {
    const path = freshPath();
    await injectFault(host, {
      path,
      kind: "status",
      status: 200,
      body: "<script>fetch('/api/v1/statuses',{method:'POST',headers:{'X-CSRF':'1'}})</script>",
      headers: { "content-type": type },
    });
    const res = await api(path);
    const served = res.headers.get("content-type") ?? "";
    expect(res.status).toBe(200);
    expect(served).not.toMatch(/html|xml|script|css|svg|utf-7|mpegurl|multipart|flash|pdf/i);
    expect(["application/octet-stream", "application/json; charset=utf-8", "text/vtt"]).toContain(
      served.split(",")[0],
    );
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("content-security-policy")).toBe("sandbox; default-src 'none'");
    // JSON is what the API serves: anything else is a download, never a page.
    const json = served.startsWith("application/json");
    expect(res.headers.get("content-disposition")).toBe(json ? null : "attachment");
    await res.body?.cancel();
  });

  it("drops every response header an instance could use against the BFF's origin", async () => {
    const path = freshPath();
    const hostile: Record<string, string> = {
      "set-cookie": "__Host-fedi-bff-session=planted; Path=/; Secure",
      "access-control-allow-origin": "*",
      "access-control-allow-credentials": "true",
      refresh: "0; url=https://evil.example.org/",
      "content-security-policy": "default-src *",
      "x-frame-options": "ALLOWALL",
      "content-disposition": "inline",
      "clear-site-data": '"cookies", "storage"',
      "service-worker-allowed": "/",
      "strict-transport-security": "max-age=0",
      "cache-control": "public, max-age=31536000",
      "alt-svc": 'h3=":443"; ma=86400',
      nel: '{"report_to":"x","max_age":1}',
      "report-to": '{"group":"x","max_age":1,"endpoints":[{"url":"https://evil.example.org/r"}]}',
      "x-xss-protection": "0",
      "timing-allow-origin": "*",
      location: "https://evil.example.org/",
      link: '<https://evil.example.org/api/v1/x>; rel="next", </oauth/token>; rel="prev"',
    };
    await injectFault(host, { path, kind: "status", status: 200, body: { ok: true }, headers: hostile });
    const res = await api(path);
    expect(res.status).toBe(200);
    expect(res.headers.getSetCookie()).toEqual([]);
    // Some names carry fedi-bff's own value (X-Frame-Options: DENY, CSP sandbox); none the instance's.
    const passed = Object.entries(hostile).filter(([name, value]) => res.headers.get(name) === value);
    expect(passed).toEqual([]);
    for (const name of ["refresh", "location", "link", "access-control-allow-origin", "clear-site-data"])
      expect([name, res.headers.get(name)]).toEqual([name, null]);
    expect(res.headers.get("content-security-policy")).toBe("sandbox; default-src 'none'");
    expect(res.headers.get("cache-control")).toBe("private, no-store");
    expect(res.headers.get("content-disposition")).toBeNull();
    expect(await res.json()).toEqual({ ok: true });
  });

  it.each([
    ["another host", "https://mastodon-elsewhere.example.net/api/v1/accounts"],
    ["loopback", "http://127.0.0.1/api/v1/accounts"],
    ["cloud metadata", "http://169.254.169.254/latest/meta-data/"],
    ["the instance's own OAuth endpoint", "/oauth/token"],
    ["a javascript: URL", "javascript:alert(1)"],
  ])("does not follow a redirect to %s and does not pass its Location on", async (_, location) => {
    const path = freshPath();
    const before = await unexpectedHosts();
    const tokenCalls = (await fakeState(host)).requests.filter((r) => r.path === "/oauth/token").length;
    await injectFault(host, { path, kind: "redirect", location });
    const res = await api(path);
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBeNull();
    expect((await fakeState(host)).requests.filter((r) => r.path === "/oauth/token")).toHaveLength(
      tokenCalls,
    );
    expect((await fakeState("https://mastodon-elsewhere.example.net")).requests).toEqual([]);
    expect(await unexpectedHosts()).toEqual(before);
  });

  it("rewrites a redirect that stays on the instance's API to the BFF", async () => {
    const path = freshPath();
    await injectFault(host, {
      path,
      kind: "redirect",
      location: `https://${host}/api/v1/accounts/1?x=1&access_token=t`,
    });
    const res = await api(path);
    expect(res.headers.get("location")).toBe(`${BFF}/api/v1/accounts/1?x=1`);
  });

  it("answers a hung instance with 504 instance_timeout", async () => {
    const path = freshPath();
    await injectFault(host, { path, kind: "hang" });
    await expectError(await api(path, {}, { UPSTREAM_TIMEOUT: "1" }), 504, "instance_timeout");
  });
});
