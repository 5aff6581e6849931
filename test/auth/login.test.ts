import { describe, expect, it } from "vitest";
import { BFF, bff, CookieJar, fullLogin, startLogin } from "../helpers/bff.ts";
import { approve, deleteApp, fakeState, injectFault, uniqueHost } from "../helpers/fake.ts";

describe("login start", () => {
  it("redirects to the instance's authorize endpoint with state, PKCE and the registered client", async () => {
    const host = uniqueHost("mastodon");
    const jar = new CookieJar();
    const url = await startLogin(host, jar);
    expect(url.origin).toBe(`https://${host}`);
    expect(url.pathname).toBe("/oauth/authorize");
    const q = url.searchParams;
    expect(q.get("redirect_uri")).toBe(`${BFF}/auth/callback`);
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

  it("accepts a login started from its own pages at once", async () => {
    const res = await bff(`/auth/login?instance=${uniqueHost("mastodon")}`, {
      headers: { "sec-fetch-site": "same-origin" },
    });
    expect(res.status).toBe(302);
  });
});

describe("callback", () => {
  it.each(["mastodon", "oldmasto", "gts", "akkoma"] as const)(
    "completes the whole flow on %s",
    async (flavour) => {
      const host = uniqueHost(flavour);
      const { jar, callback } = await fullLogin(host, { returnTo: "/home?tab=1" });
      expect(callback.status).toBe(302);
      expect(callback.headers.get("location")).toBe("/home?tab=1");
      expect(callback.headers.get("referrer-policy")).toBe("no-referrer");
      expect([...jar.cookies.keys()]).toEqual(["__Host-fedi-bff-session"]);
      const session = await bff("/auth/session", { jar });
      expect(session.status).toBe(200);
      const body = (await session.json()) as Record<string, unknown>;
      expect(body).toMatchObject({ authenticated: true, instance: host, scopes: ["read", "write", "push"] });
      expect(body.account).toMatchObject({ acct: "alice", username: "alice" });
      expect(JSON.stringify(body)).not.toMatch(/token|secret/i);
      const tokenCalls = (await fakeState(host)).requests.filter((r) => r.path === "/oauth/token");
      expect(tokenCalls.length).toBeGreaterThan(0);
      for (const call of tokenCalls) expect(call.headers["user-agent"]).toMatch(/^fedi-bff\//);
    },
  );

  it("refuses a callback whose state does not match any login: back to the app, login_expired", async () => {
    const jar = new CookieJar();
    await startLogin(uniqueHost("mastodon"), jar);
    const res = await bff(`/auth/callback?code=abc&state=${"A".repeat(43)}`, { jar });
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("/?auth_error=login_expired");
    expect(jar.cookies.has("__Host-fedi-bff-session")).toBe(false);
  });

  it("refuses a callback without a valid state: back to the app, invalid_state", async () => {
    const res = await bff("/auth/callback?code=abc");
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("/?auth_error=invalid_state");
  });

  it("refuses a state that matches the cookie name but not the whole state", async () => {
    const jar = new CookieJar();
    const authorize = await startLogin(uniqueHost("mastodon"), jar);
    const state = authorize.searchParams.get("state") ?? "";
    const forged = state.slice(0, 12) + "B".repeat(31);
    const res = await bff(`/auth/callback?code=abc&state=${forged}`, { jar });
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("/?auth_error=invalid_state");
  });

  it("sends access_denied back to return_to", async () => {
    const jar = new CookieJar();
    const authorize = await startLogin(uniqueHost("mastodon"), jar, "/app");
    const back = await approve(authorize.href, { deny: true });
    const res = await bff(back.pathname + back.search, { jar });
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("/app?auth_error=access_denied");
    expect(jar.cookies.has("__Host-fedi-bff-session")).toBe(false);
  });

  it("refuses a replayed code", async () => {
    const host = uniqueHost("mastodon");
    const jar = new CookieJar();
    const authorize = await startLogin(host, jar);
    const back = await approve(authorize.href, { user: "alice" });
    const cookies = jar.header();
    const first = await bff(back.pathname + back.search, { headers: { cookie: cookies } });
    expect(first.status).toBe(302);
    const replay = await bff(back.pathname + back.search, { headers: { cookie: cookies } });
    expect(replay.headers.get("location")).toBe("/?auth_error=token_exchange_failed");
    expect(replay.headers.getSetCookie().some((c) => c.startsWith("__Host-fedi-bff-session="))).toBe(false);
  });

  it("lets two tabs log in at once", async () => {
    const host = uniqueHost("mastodon");
    const jar = new CookieJar();
    const one = await startLogin(host, jar, "/one");
    const two = await startLogin(host, jar, "/two");
    const backTwo = await approve(two.href, { user: "alice" });
    const backOne = await approve(one.href, { user: "alice" });
    expect((await bff(backTwo.pathname + backTwo.search, { jar })).headers.get("location")).toBe("/two");
    expect((await bff(backOne.pathname + backOne.search, { jar })).headers.get("location")).toBe("/one");
  });

  it("completes two concurrent first logins to a new instance with one registration", async () => {
    const host = uniqueHost("mastodon");
    const results = await Promise.all([1, 2, 3, 4, 5].map(() => fullLogin(host)));
    for (const { callback } of results) expect(callback.headers.get("location")).toBe("/");
    expect((await fakeState(host)).registrations).toBe(1);
  });

  it("recovers a registration the instance deleted: registers again and restarts the login once", async () => {
    const host = uniqueHost("mastodon");
    const jar = new CookieJar();
    const authorize = await startLogin(host, jar);
    const back = await approve(authorize.href, { user: "alice" });
    await deleteApp(`https://${host}`, authorize.searchParams.get("client_id") ?? "");
    const res = await bff(back.pathname + back.search, { jar });
    expect(res.status).toBe(302);
    const again = new URL(res.headers.get("location") ?? "");
    expect(again.pathname).toBe("/oauth/authorize");
    expect(again.searchParams.get("client_id")).not.toBe(authorize.searchParams.get("client_id"));
    const back2 = await approve(again.href, { user: "alice" });
    const done = await bff(back2.pathname + back2.search, { jar });
    expect(done.headers.get("location")).toBe("/");
    expect((await fakeState(host)).registrations).toBe(2);
    // New logins use the new registration straight away.
    const next = await startLogin(host, new CookieJar());
    expect(next.searchParams.get("client_id")).toBe(again.searchParams.get("client_id"));
  });

  it("revokes a token Akkoma put in the URL and retries with force_login", async () => {
    const host = uniqueHost("akkoma");
    // Without nodeinfo the BFF cannot know it is Akkoma, so the first authorize lacks force_login.
    await injectFault(`https://${host}`, { path: "/.well-known/nodeinfo", kind: "status", status: 404 });
    const jar = new CookieJar();
    const authorize = await startLogin(host, jar);
    expect(authorize.searchParams.has("force_login")).toBe(false);
    const back = await approve(authorize.href, { user: "alice", akkomaSession: true });
    expect(back.searchParams.has("access_token")).toBe(true);
    const res = await bff(back.pathname + back.search, { jar });
    const again = new URL(res.headers.get("location") ?? "");
    expect(again.pathname).toBe("/oauth/authorize");
    expect(again.searchParams.get("force_login")).toBe("true");
    expect((await fakeState(host)).revokedTokens).toBe(1);
    const back2 = await approve(again.href, { user: "alice", akkomaSession: true });
    const done = await bff(back2.pathname + back2.search, { jar });
    expect(done.headers.get("location")).toBe("/");
    expect((await bff("/auth/session", { jar })).status).toBe(200);
  });

  it("refuses a token in the URL even after force_login, and revokes it", async () => {
    const host = uniqueHost("akkoma");
    const jar = new CookieJar();
    const authorize = await startLogin(host, jar);
    const url = new URL(authorize.href);
    url.searchParams.delete("force_login");
    const back = await approve(url.href, { user: "alice", akkomaSession: true });
    const res = await bff(back.pathname + back.search, { jar });
    expect(res.headers.get("location")).toBe("/?auth_error=invalid_callback");
    expect((await fakeState(host)).revokedTokens).toBe(1);
  });
});

describe("session and logout", () => {
  it("answers 401 not_authenticated without a session", async () => {
    const res = await bff("/auth/session");
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: "not_authenticated" });
  });

  it("treats a tampered cookie as no session", async () => {
    const { jar } = await fullLogin(uniqueHost("mastodon"));
    const value = jar.cookies.get("__Host-fedi-bff-session") ?? "";
    jar.cookies.set("__Host-fedi-bff-session", value.slice(0, -3) + (value.endsWith("AAA") ? "BBB" : "AAA"));
    expect((await bff("/auth/session", { jar })).status).toBe(401);
  });

  it("logs out: revokes the token upstream, clears the cookie, 204", async () => {
    const host = uniqueHost("gts");
    const { jar } = await fullLogin(host);
    const res = await bff("/auth/logout", { method: "POST", jar, headers: { "x-csrf": "1" } });
    expect(res.status).toBe(204);
    expect(jar.cookies.size).toBe(0);
    expect((await fakeState(host)).revokedTokens).toBe(1);
    expect((await bff("/auth/session", { jar })).status).toBe(401);
  });

  it("refuses a logout without the CSRF header or a same-origin signal: 403 csrf_required", async () => {
    const { jar } = await fullLogin(uniqueHost("mastodon"));
    const res = await bff("/auth/logout", { method: "POST", jar });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ error: "csrf_required" });
  });

  it("refuses a logout from a foreign origin: 403 forbidden_origin", async () => {
    const { jar } = await fullLogin(uniqueHost("mastodon"));
    const res = await bff("/auth/logout", {
      method: "POST",
      jar,
      headers: { origin: "https://evil.example.org", "x-csrf": "1" },
    });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ error: "forbidden_origin" });
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
