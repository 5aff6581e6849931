import { describe, expect, it } from "vitest";
import { injectFault } from "../helpers/fake.ts";
import { api, BFF, seen, sessionKeys, signedIn } from "./support.ts";

describe("forwarding", () => {
  it("sends the call to the session's instance with the account's token", async () => {
    const { host, jar } = await signedIn();
    const res = await api("/api/v1/accounts/verify_credentials", jar, {
      headers: { authorization: "Bearer from-the-browser", host: "evil.example" },
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { username: string }).username).toBe("alice");
    const [request] = await seen(host, "/api/v1/accounts/verify_credentials");
    expect(request?.headers.authorization).toBe("Bearer <redacted>");
    expect(request?.headers["x-fake-origin"]).toBe(`https://${host}`);
  });

  it("strips the browser's cookies, origin, CSRF and forwarding headers, keeps what the API reads", async () => {
    const { host, jar } = await signedIn();
    const { active } = await sessionKeys(jar);
    const ok = await api("/api/v1/timelines/home?limit=1", jar, {
      headers: {
        cookie: `${jar.header()}; _mastodon_session=planted`,
        origin: BFF,
        referer: `${BFF}/app/secret-page`,
        "x-account": active,
        "x-forwarded-for": "10.1.2.3",
        "x-forwarded-host": "evil.example",
        forwarded: "for=10.1.2.3;host=evil.example",
        "x-real-ip": "10.1.2.3",
        "cf-connecting-ip": "10.1.2.3",
        "cf-ipcountry": "XX",
        "sec-fetch-site": "same-origin",
        "sec-fetch-dest": "empty",
        "sec-ch-ua": '"Chromium";v="140"',
        "x-http-method-override": "DELETE",
        "proxy-authorization": "Basic eDp5",
        "x-custom": "1",
        accept: "application/json",
        "accept-language": "de",
        "idempotency-key": "key-1",
        "if-none-match": '"etag-1"',
        "user-agent": "TestBrowser/1.0",
      },
    });
    expect(ok.status).toBe(200);
    const [request] = await seen(host, "/api/v1/timelines/home");
    const headers = request?.headers ?? {};
    for (const name of [
      "cookie",
      "origin",
      "referer",
      "x-csrf",
      "x-account",
      "x-forwarded-for",
      "x-forwarded-host",
      "forwarded",
      "x-real-ip",
      "cf-connecting-ip",
      "cf-ipcountry",
      "sec-fetch-site",
      "sec-fetch-dest",
      "sec-ch-ua",
      "x-http-method-override",
      "proxy-authorization",
      "x-custom",
    ]) {
      expect(headers[name], name).toBeUndefined();
    }
    expect(headers).toMatchObject({
      accept: "application/json",
      "accept-language": "de",
      "idempotency-key": "key-1",
      "if-none-match": '"etag-1"',
      "user-agent": "TestBrowser/1.0",
      authorization: "Bearer <redacted>",
    });
  });

  it("sets fedi-bff's User-Agent when the browser sent none (GoToSocial answers 418 without)", async () => {
    const { host, jar } = await signedIn("gts");
    const res = await api("/api/v1/accounts/verify_credentials", jar);
    expect(res.status).toBe(200);
    const [request] = await seen(host, "/api/v1/accounts/verify_credentials");
    expect(request?.headers["user-agent"]).toMatch(/^fedi-bff\//);
  });

  it("never forwards an access_token query parameter", async () => {
    const { host, jar } = await signedIn();
    const res = await api(
      "/api/v1/timelines/home?access_token=stolen&limit=2&ACCESS_TOKEN=x&access%5Ftoken=y",
      jar,
    );
    expect(res.status).toBe(200);
    const [request] = await seen(host, "/api/v1/timelines/home");
    expect(request?.query).toEqual({ limit: "2" });
  });

  it("streams a request body and honours Idempotency-Key", async () => {
    const { host, jar } = await signedIn();
    const post = () =>
      api("/api/v1/statuses", jar, {
        method: "POST",
        headers: { "content-type": "application/json", "idempotency-key": "once" },
        body: JSON.stringify({ status: "Hello through the BFF" }),
      });
    const first = (await (await post()).json()) as { id: string; content: string };
    const second = (await (await post()).json()) as { id: string };
    expect(first.content).toBe("<p>Hello through the BFF</p>");
    expect(second.id).toBe(first.id);
    expect(await seen(host, "/api/v1/statuses", "POST")).toHaveLength(2);
  });

  it("answers HEAD without a body", async () => {
    const { jar } = await signedIn();
    const res = await api("/api/v1/timelines/home", jar, { method: "HEAD" });
    expect(res.body).toBeNull();
  });
});

describe("answers from the instance", () => {
  it("rewrites the pagination Link to absolute BFF URLs that page through the proxy", async () => {
    const { jar } = await signedIn();
    const first = await api("/api/v1/timelines/home?limit=2", jar);
    const link = first.headers.get("link") ?? "";
    const next = /<([^>]+)>; rel="next"/.exec(link)?.[1] ?? "";
    expect(next).toMatch(/^https:\/\/bff\.example\.com\/api\/v1\/timelines\/home\?limit=2&max_id=\d+$/);
    expect(link).not.toContain("example.net");
    const page1 = (await first.json()) as { id: string }[];
    const page2 = (await (await api(next, jar)).json()) as { id: string }[];
    expect(page2).toHaveLength(2);
    expect(BigInt(page2[0]?.id ?? "0")).toBeLessThan(BigInt(page1[1]?.id ?? "0"));
  });

  it("drops response headers that are not on the allow-list", async () => {
    const { origin, jar } = await signedIn();
    await injectFault(origin, {
      path: "/api/v1/instance",
      kind: "status",
      status: 200,
      body: { ok: true },
      headers: {
        "set-cookie": "_mastodon_session=abc; path=/",
        "access-control-allow-origin": "*",
        "access-control-allow-credentials": "true",
        "content-security-policy": "script-src *",
        "cache-control": "public, max-age=3600",
        refresh: "0; url=https://evil.example/",
        server: "Mastodon",
        "x-powered-by": "Rails",
        "strict-transport-security": "max-age=0",
        etag: 'W/"abc"',
        "last-modified": "Sat, 01 Mar 2025 12:00:00 GMT",
        "x-ratelimit-limit": "300",
        "x-ratelimit-remaining": "299",
        "x-ratelimit-reset": "2025-03-01T12:05:00.000Z",
        "x-request-id": "req-1",
        link: '<https://evil.example/api/v1/x>; rel="next"',
      },
    });
    const res = await api("/api/v1/instance", jar);
    expect(res.status).toBe(200);
    expect(res.headers.getSetCookie()).toEqual([]);
    for (const name of [
      "access-control-allow-origin",
      "access-control-allow-credentials",
      "refresh",
      "server",
      "x-powered-by",
      "strict-transport-security",
      "link",
    ]) {
      expect(res.headers.get(name), name).toBeNull();
    }
    expect(Object.fromEntries(res.headers)).toMatchObject({
      "content-type": "application/json; charset=utf-8",
      "content-security-policy": "sandbox; default-src 'none'",
      "x-content-type-options": "nosniff",
      "cache-control": "private, no-store",
      etag: 'W/"abc"',
      "last-modified": "Sat, 01 Mar 2025 12:00:00 GMT",
      "x-ratelimit-limit": "300",
      "x-ratelimit-remaining": "299",
      "x-ratelimit-reset": "2025-03-01T12:05:00.000Z",
      "x-request-id": "req-1",
    });
    expect(res.headers.get("content-disposition")).toBeNull();
  });

  it("serves HTML from the instance as a sandboxed download, never as a page", async () => {
    const { origin, jar } = await signedIn();
    await injectFault(origin, { path: "/api/v1/timelines/public", kind: "html200" });
    const res = await api("/api/v1/timelines/public", jar);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/octet-stream");
    expect(res.headers.get("content-disposition")).toBe("attachment");
    expect(res.headers.get("content-security-policy")).toBe("sandbox; default-src 'none'");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(new TextDecoder().decode(await res.arrayBuffer())).toContain("nginx");
  });

  it("serves SVG (script inside an image) as octet-stream", async () => {
    const { origin, jar } = await signedIn();
    await injectFault(origin, {
      path: "/api/v1/custom_emojis",
      kind: "status",
      status: 200,
      body: '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
      headers: { "content-type": "image/svg+xml" },
    });
    const res = await api("/api/v1/custom_emojis", jar);
    expect(res.headers.get("content-type")).toBe("application/octet-stream");
    expect(res.headers.get("content-disposition")).toBe("attachment");
  });

  it("passes instance errors through with status and allowed headers", async () => {
    const { origin, jar } = await signedIn();
    const missing = await api("/api/v1/no-such-endpoint", jar);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: "Record not found" });
    await injectFault(origin, { path: "/api/v1/notifications", kind: "rate_limit" });
    const limited = await api("/api/v1/notifications", jar);
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("120");
    expect(limited.headers.get("x-ratelimit-remaining")).toBe("0");
    await injectFault(origin, { path: "/api/v1/trends/statuses", kind: "status", status: 503 });
    const down = await api("/api/v1/trends/statuses", jar);
    expect(down.status).toBe(503);
    expect(down.headers.get("content-type")).toBe("application/octet-stream");
  });
});

describe("redirects from the instance", () => {
  it("are not followed: the browser gets the 3xx, Location rewritten when it stays on the instance API", async () => {
    const { host, origin, jar } = await signedIn();
    await injectFault(origin, {
      path: "/api/v1/lists",
      kind: "redirect",
      location: `${origin}/api/v2/lists?access_token=leak&page=2`,
    });
    const res = await api("/api/v1/lists", jar);
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe(`${BFF}/api/v2/lists?page=2`);
    expect(await seen(host, "/api/v2/lists")).toEqual([]);
  });

  it.each([
    ["another host", "https://evil.example/api/v1/lists"],
    ["the instance outside the API", "/oauth/authorize?client_id=x"],
    ["a downgrade to http", "http://HOST/api/v1/lists"],
    ["an encoded traversal", "/api/v1/%2e%2e/%2e%2e/oauth/token"],
  ])("drop a Location to %s", async (_, location) => {
    const { host, origin, jar } = await signedIn();
    await injectFault(origin, {
      path: "/api/v1/lists",
      kind: "redirect",
      location: location.replace("HOST", host),
    });
    const res = await api("/api/v1/lists", jar);
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBeNull();
    expect((await seen(host, "/oauth/authorize")).length).toBeLessThanOrEqual(1); // only the login's
  });
});
