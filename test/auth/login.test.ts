import { describe, expect, it } from "vitest";
import { clientKey } from "../../src/http/rate-limit.ts";
import { BFF, bff, CookieJar, startLogin } from "../helpers/bff.ts";
import { fakeState, injectFault, uniqueHost } from "../helpers/fake.ts";

describe("login start", () => {
  it("redirects to the instance's authorize endpoint with state, PKCE and the registered client", async () => {
    const host = uniqueHost("mastodon");
    const jar = new CookieJar();
    const url = await startLogin(host, jar);
    expect(url.origin).toBe(`https://${host}`);
    expect(url.pathname).toBe("/oauth/authorize");
    const q = url.searchParams;
    // One redirect URI per instance, naming it (the mix-up defence).
    expect(q.get("redirect_uri")).toBe(`${BFF}/auth/callback/${host}`);
    expect(q.get("response_type")).toBe("code");
    expect(q.get("scope")).toBe("read write push");
    expect(q.get("code_challenge_method")).toBe("S256");
    expect(q.get("code_challenge")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(q.get("state")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(q.has("force_login")).toBe(false);
    const state = await fakeState(host);
    expect(state.apps.map((a) => a.client_id)).toEqual([q.get("client_id")]);
    const loginCookies = [...jar.cookies.keys()].filter((k) => k.startsWith("__Host-fedi-bff-login-"));
    expect(loginCookies).toHaveLength(1);
  });

  it("sets a __Host- login cookie that is HttpOnly, Secure and SameSite=Lax, and answers no-store", async () => {
    const res = await bff(`/auth/login?instance=${uniqueHost("mastodon")}`);
    expect(res.status).toBe(302);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const [cookie] = res.headers.getSetCookie();
    expect(cookie).toMatch(
      /^__Host-fedi-bff-login-[0-2]=[^;]+; Max-Age=\d+; Path=\/; HttpOnly; Secure; SameSite=Lax$/,
    );
  });

  it("answers { authorize_url } as JSON when the frontend asks for JSON", async () => {
    const res = await bff(`/auth/login?instance=${uniqueHost("gts")}`, {
      headers: { accept: "application/json" },
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { authorize_url: string };
    expect(new URL(body.authorize_url).pathname).toBe("/oauth/authorize");
  });

  it("reuses one registration for two logins", async () => {
    const host = uniqueHost("mastodon");
    await startLogin(host, new CookieJar());
    await startLogin(host, new CookieJar());
    expect((await fakeState(host)).registrations).toBe(1);
  });

  it("sends force_login=true to Akkoma, found through nodeinfo", async () => {
    const url = await startLogin(uniqueHost("akkoma"), new CookieJar());
    expect(url.searchParams.get("force_login")).toBe("true");
  });

  it("refuses an invalid instance with 400 invalid_instance and contacts nothing", async () => {
    const res = await bff("/auth/login?instance=127.0.0.1");
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: "invalid_instance" });
  });

  it("refuses a missing instance with 400 invalid_instance", async () => {
    const res = await bff("/auth/login");
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: "invalid_instance" });
  });

  it("names a server without the Mastodon API: 422 unsupported_instance", async () => {
    const res = await bff(`/auth/login?instance=${uniqueHost("misskey")}`);
    expect(res.status).toBe(422);
    expect(await res.json()).toMatchObject({ error: "unsupported_instance" });
  });

  it("passes a registration 429 on with Retry-After and does not retry until it passes", async () => {
    const host = uniqueHost("mastodon");
    await injectFault(`https://${host}`, { path: "/api/v1/apps", kind: "rate_limit" });
    const first = await bff(`/auth/login?instance=${host}`);
    expect(first.status).toBe(429);
    expect(await first.json()).toMatchObject({ error: "registration_rate_limited" });
    expect(Number(first.headers.get("retry-after"))).toBeGreaterThan(100);
    const second = await bff(`/auth/login?instance=${host}`);
    expect(second.status).toBe(429);
    const posts = (await fakeState(host)).requests.filter(
      (r) => r.method === "POST" && r.path === "/api/v1/apps",
    );
    expect(posts).toHaveLength(1);
  });

  it("names an instance that breaks registration: 502 registration_failed", async () => {
    const host = uniqueHost("mastodon");
    await injectFault(`https://${host}`, { path: "/api/v1/apps", kind: "status", status: 500 });
    const res = await bff(`/auth/login?instance=${host}`);
    expect(res.status).toBe(502);
    expect(await res.json()).toMatchObject({ error: "registration_failed" });
  });

  it("never leaves a host that answers nothing with a half registration", async () => {
    // The test network drops the connection to an unknown host, as an unreachable server would.
    const res = await bff("/auth/login?instance=nothing-here.example.net");
    expect(res.status).toBe(502);
    expect(await res.json()).toMatchObject({ error: "instance_unreachable" });
  });

  it.each([
    "https://evil.example.org/",
    "//evil.example.org",
    "/\\evil.example.org",
    "\\\\evil.example.org",
    "/%0d%0aSet-Cookie:x=1".replace("%0d%0a", "\r\n"),
    "javascript:alert(1)",
    " /home",
  ])("refuses return_to %j with 400 invalid_return_to", async (returnTo) => {
    const res = await bff(
      `/auth/login?instance=${uniqueHost("mastodon")}&return_to=${encodeURIComponent(returnTo)}`,
    );
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: "invalid_return_to" });
  });

  it("refuses a login started by a cross-site page (login CSRF): 403 forbidden_origin", async () => {
    const res = await bff(`/auth/login?instance=${uniqueHost("mastodon")}`, {
      headers: { "sec-fetch-site": "cross-site", "sec-fetch-mode": "navigate" },
    });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ error: "forbidden_origin" });
  });

  it("starts at once for the app's own fetch (X-CSRF) and form POST, not for a same-origin link", async () => {
    const fetched = await bff(`/auth/login?instance=${uniqueHost("mastodon")}`, {
      headers: { "sec-fetch-site": "same-origin", "sec-fetch-dest": "empty", "x-csrf": "1" },
    });
    expect(fetched.status).toBe(302);
    const host = uniqueHost("mastodon");
    const posted = await bff("/auth/login", {
      method: "POST",
      headers: { origin: BFF, "content-type": "application/x-www-form-urlencoded" },
      body: `instance=${host}`,
    });
    expect(posted.status).toBe(302);
    const linked = await bff(`/auth/login?instance=${uniqueHost("mastodon")}`, {
      headers: {
        "sec-fetch-site": "same-origin",
        "sec-fetch-dest": "document",
        "sec-fetch-mode": "navigate",
      },
    });
    expect(linked.status).toBe(200);
    expect(linked.headers.get("content-type")).toMatch(/^text\/html/);
  });
});

describe("abuse brakes", () => {
  it("rate-limits login starts per client IP: 429 rate_limited with Retry-After", async () => {
    const host = uniqueHost("mastodon");
    const statuses: number[] = [];
    for (let i = 0; i < 22; i++) {
      const res = await bff(`/auth/login?instance=${host}`, {
        headers: { "cf-connecting-ip": "203.0.113.9" },
      });
      statuses.push(res.status);
      if (res.status === 429) {
        expect(await res.json()).toMatchObject({ error: "rate_limited" });
        expect(res.headers.get("retry-after")).toBe("60");
      }
    }
    expect(statuses.slice(0, 20).every((s) => s === 302)).toBe(true);
    expect(statuses.at(-1)).toBe(429);
    const other = await bff(`/auth/login?instance=${host}`, {
      headers: { "cf-connecting-ip": "203.0.113.10" },
    });
    expect(other.status).toBe(302);
  });
});

describe("rate-limit keys", () => {
  it("keys IPv4 by address and IPv6 by /64", () => {
    expect(clientKey("203.0.113.7")).toBe("203.0.113.7");
    expect(clientKey("2001:db8:1:2:3:4:5:6")).toBe("2001:db8:1:2");
    expect(clientKey("2001:db8::1")).toBe("2001:db8:0:0");
    expect(clientKey("2001:0DB8:0001:0002::9")).toBe("2001:db8:1:2");
  });
});
