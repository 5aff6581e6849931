/**
 * A callback that names no login of this browser — Hollo drops `state` when the user denies
 * consent — signs nobody in. The browser goes back to the app with `auth_error` instead of a JSON
 * dead end: to the return_to of the one pending login, else to `/`.
 */
import { describe, expect, it } from "vitest";
import { LOGIN_COOKIE_PREFIX, SESSION_COOKIE } from "../../src/session/cookies.ts";
import { bff, CookieJar, fullLogin, startLogin } from "../helpers/bff.ts";
import { approve, fakeState, uniqueHost } from "../helpers/fake.ts";

const loginCookies = (jar: CookieJar): string[] =>
  [...jar.cookies.keys()].filter((name) => name.startsWith(LOGIN_COOKIE_PREFIX));

/** The path and query of a URL the instance sent the browser to. */
const target = (url: URL): string => url.pathname + url.search;

describe("a denial without state (Hollo)", () => {
  it("returns to the pending login's return_to with auth_error=access_denied and ends that login", async () => {
    const host = uniqueHost("mastodon");
    const jar = new CookieJar();
    const authorize = await startLogin(host, jar, "/app?tab=home");
    const back = await approve(authorize.href, { deny: true, dropState: true });
    expect(back.searchParams.has("state")).toBe(false);
    const res = await bff(target(back), { jar });
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("/app?tab=home&auth_error=access_denied");
    expect(loginCookies(jar)).toEqual([]);
    expect(jar.cookies.has(SESSION_COOKIE)).toBe(false);
    // Nothing was exchanged: no user token exists (the app token is the registration\'s).
    expect((await fakeState(host)).liveUserTokens).toBe(0);
  });

  it("goes to / when two logins are pending, and ends neither", async () => {
    const jar = new CookieJar();
    await startLogin(uniqueHost("mastodon"), jar, "/one");
    const authorize = await startLogin(uniqueHost("mastodon"), jar, "/two");
    const back = await approve(authorize.href, { deny: true, dropState: true });
    const res = await bff(target(back), { jar });
    expect(res.headers.get("location")).toBe("/?auth_error=access_denied");
    expect(loginCookies(jar)).toHaveLength(2);
  });

  it("names an unknown OAuth error authorization_failed", async () => {
    const jar = new CookieJar();
    await startLogin(uniqueHost("mastodon"), jar, "/app");
    const res = await bff("/auth/callback?error=server_error&error_description=boom", { jar });
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("/app?auth_error=authorization_failed");
  });

  it("leaves a signed-in session as it was", async () => {
    const { jar } = await fullLogin(uniqueHost("mastodon"));
    const res = await bff("/auth/callback?error=access_denied", { jar });
    expect(res.headers.get("location")).toBe("/?auth_error=access_denied");
    expect(res.headers.getSetCookie().some((line) => line.startsWith(SESSION_COOKIE))).toBe(false);
    expect((await bff("/auth/session", { jar })).status).toBe(200);
  });
});

describe("other callbacks that match no login", () => {
  it("sends a callback without state or error to / with auth_error=invalid_state", async () => {
    const res = await bff("/auth/callback?code=abc");
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("/?auth_error=invalid_state");
  });

  it("sends a state of no pending login to the pending one's return_to, which still completes", async () => {
    const host = uniqueHost("mastodon");
    const jar = new CookieJar();
    const authorize = await startLogin(host, jar, "/app");
    const stray = await bff(`/auth/callback?code=abc&state=${"A".repeat(43)}`, { jar });
    expect(stray.status).toBe(302);
    expect(stray.headers.get("location")).toBe("/app?auth_error=login_expired");
    expect(loginCookies(jar)).toHaveLength(1);
    const back = await approve(authorize.href);
    const res = await bff(target(back), { jar });
    expect(res.headers.get("location")).toBe("/app");
    expect(jar.cookies.has(SESSION_COOKIE)).toBe(true);
  });
});
