import { describe, expect, it } from "vitest";
import { bff, CookieJar, fullLogin, startLogin } from "../helpers/bff.ts";
import { approve, deleteApp, fakeState, injectFault, uniqueHost } from "../helpers/fake.ts";

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
    const host = uniqueHost("mastodon");
    const authorize = await startLogin(host, jar);
    const state = authorize.searchParams.get("state") ?? "";
    const forged = state.slice(0, 12) + "B".repeat(31);
    const res = await bff(`/auth/callback/${host}?code=abc&state=${forged}`, { jar });
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
