/**
 * Mix-up across instances (RFC 9700 §4.4) and login CSRF without a click. A hostile instance E
 * bounces the victim's browser to an honest instance H with fedi-bff's client at H and the
 * attacker's PKCE challenge; H answers on its own callback. Whatever arrives there must be tied to
 * the instance the login was started with before any code or token is sent anywhere.
 */
import { describe, expect, it } from "vitest";
import { bff, CookieJar, startLogin } from "../helpers/bff.ts";
import { approve, configure, fakeState, uniqueHost } from "../helpers/fake.ts";

/** Requests an instance received at one of its OAuth endpoints. */
async function oauthCalls(host: string, path: string): Promise<number> {
  return (await fakeState(host)).requests.filter((r) => r.path === path).length;
}

/**
 * The victim's login with E, played by E: its authorize step sends the browser to H's authorize
 * page with the attacker's client request at H (client_id, redirect URI, challenge) and the
 * victim's state. Returns where H sends the victim's browser back to.
 */
async function bounceThroughHonest(opts: { honest: string; hostile: string; akkomaSession?: boolean }) {
  const attacker = new CookieJar();
  const attackerUrl = await startLogin(opts.honest, attacker);
  const victim = new CookieJar();
  const victimAtHostile = await startLogin(opts.hostile, victim, "/home");
  const bounced = new URL(attackerUrl);
  bounced.searchParams.set("state", victimAtHostile.searchParams.get("state") ?? "");
  // E leaves out what would make H ask again (Akkoma then puts a token in the URL).
  bounced.searchParams.delete("force_login");
  const back = await approve(bounced.href, { user: "alice", akkomaSession: opts.akkomaSession });
  return { victim, attacker, back };
}

describe("mix-up: a hostile instance bounces the victim to an honest one", () => {
  it("ends the victim's login on the wrong callback: the honest code goes nowhere, nobody is signed in", async () => {
    const honest = uniqueHost("mastodon");
    const hostile = uniqueHost("mastodon");
    const { victim, back } = await bounceThroughHonest({ honest, hostile });
    expect(back.pathname).toBe(`/auth/callback/${honest}`);
    const honestTokenCalls = await oauthCalls(honest, "/oauth/token");
    const res = await bff(back.pathname + back.search, { jar: victim });
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("/home?auth_error=invalid_callback");
    // The honest code was posted to no token endpoint: not the hostile one, not the honest one.
    expect(await oauthCalls(hostile, "/oauth/token")).toBe(1); // its registration's app token only
    expect(await oauthCalls(honest, "/oauth/token")).toBe(honestTokenCalls);
    expect(await oauthCalls(hostile, "/oauth/revoke")).toBe(0);
    expect(victim.cookies.has("__Host-fedi-bff-session")).toBe(false);
    expect((await bff("/auth/session", { jar: victim })).status).toBe(401);
    // The login is over: the same answer again matches no login.
    const again = await bff(back.pathname + back.search, { jar: victim });
    expect(again.headers.get("location")).toBe("/?auth_error=login_expired");
  });

  it("sends a token that arrives in the URL nowhere when it came back on another instance's callback", async () => {
    const honest = uniqueHost("akkoma");
    const hostile = uniqueHost("mastodon");
    const { victim, back } = await bounceThroughHonest({ honest, hostile, akkomaSession: true });
    expect(back.searchParams.has("access_token")).toBe(true);
    const res = await bff(back.pathname + back.search, { jar: victim });
    expect(res.headers.get("location")).toBe("/home?auth_error=invalid_callback");
    expect(await oauthCalls(hostile, "/oauth/revoke")).toBe(0);
    expect(await oauthCalls(hostile, "/oauth/token")).toBe(1);
  });

  it("refuses an answer on the shared legacy callback for a login started with a per-instance one", async () => {
    const host = uniqueHost("mastodon");
    const jar = new CookieJar();
    const authorize = await startLogin(host, jar);
    const back = await approve(authorize.href);
    const res = await bff(`/auth/callback${back.search}`, { jar });
    expect(res.headers.get("location")).toBe("/?auth_error=invalid_callback");
    expect(await oauthCalls(host, "/oauth/token")).toBe(1);
  });

  it("refuses an iss from a server without metadata that is not that server", async () => {
    const host = uniqueHost("gts");
    await configure(host, { iss: { send: "other" } });
    const jar = new CookieJar();
    const back = await approve((await startLogin(host, jar)).href);
    const res = await bff(back.pathname + back.search, { jar });
    expect(res.headers.get("location")).toBe("/?auth_error=invalid_callback");
    expect((await fakeState(host)).liveUserTokens).toBe(0);
  });

  it("accepts the instance's own origin as iss from a server without metadata", async () => {
    const host = uniqueHost("gts");
    await configure(host, { iss: { send: "issuer" } });
    const jar = new CookieJar();
    const back = await approve((await startLogin(host, jar)).href);
    expect(back.searchParams.get("iss")).toBe(`https://${host}/`);
    const res = await bff(back.pathname + back.search, { jar });
    expect(res.headers.get("location")).toBe("/");
  });
});

describe("login CSRF without a click", () => {
  it("starts nothing for an image of a login URL: no cookie, no registration, no request", async () => {
    const host = uniqueHost("mastodon");
    const jar = new CookieJar();
    const res = await bff(`/auth/login?instance=${host}`, {
      jar,
      headers: { "sec-fetch-dest": "image", "sec-fetch-mode": "no-cors", "sec-fetch-site": "same-origin" },
    });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: string }).error).toBe("csrf_required");
    expect(jar.cookies.size).toBe(0);
    expect((await fakeState(host)).requests).toEqual([]);
  });

  it("gives a same-origin navigation to a login URL the confirmation page, and contacts nobody", async () => {
    const host = uniqueHost("mastodon");
    const res = await bff(`/auth/login?instance=${host}`, {
      headers: {
        "sec-fetch-dest": "document",
        "sec-fetch-mode": "navigate",
        "sec-fetch-site": "same-origin",
      },
    });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('id="confirm-form"');
    expect((await fakeState(host)).requests).toEqual([]);
  });

  it("refuses a callback fetched as an image and leaves the pending login as it was", async () => {
    const host = uniqueHost("mastodon");
    const jar = new CookieJar();
    const back = await approve((await startLogin(host, jar)).href);
    const before = jar.header();
    const image = await bff(back.pathname + back.search, {
      jar,
      headers: { "sec-fetch-dest": "image", "sec-fetch-mode": "no-cors", "sec-fetch-site": "cross-site" },
    });
    expect(image.status).toBe(400);
    expect(((await image.json()) as { error: string }).error).toBe("invalid_callback");
    expect(image.headers.get("set-cookie")).toBeNull();
    expect(jar.header()).toBe(before);
    // The real navigation still finishes the login.
    const page = await bff(back.pathname + back.search, {
      jar,
      headers: { "sec-fetch-dest": "document", "sec-fetch-mode": "navigate", "sec-fetch-site": "cross-site" },
    });
    expect(page.headers.get("location")).toBe("/");
  });
});
