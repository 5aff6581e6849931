/**
 * What pending logins may add to the browser's Cookie header, in every interleaving: a fixed set of
 * login-cookie slots (parallel starts overwrite), each cookie bounded, and a way back from any
 * oversized header. And finished logins: a token no session kept is revoked.
 */
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { OWN_REDIRECT_URI } from "../../src/app/deps.ts";
import { hasUnfinishedLogin, stateIn } from "../../src/auth/login/slots.ts";
import {
  type LoginTransaction,
  MAX_LOGIN_COOKIE_LENGTH,
  MAX_RETURN_TO_LENGTH,
  openSlots,
  transactionCookie,
} from "../../src/auth/login/transaction.ts";
import { loadConfig } from "../../src/config/config.ts";
import type { Env } from "../../src/config/env.ts";
import { getKeyRing } from "../../src/crypto/key-ring.ts";
import { seal } from "../../src/crypto/seal.ts";
import { randomToken } from "../../src/oauth/pkce.ts";
import {
  LOGIN_COOKIE_PREFIX,
  MAX_COOKIE_HEADER,
  MAX_LOGIN_COOKIES,
  SESSION_COOKIE,
} from "../../src/session/cookies.ts";
import { bff, CookieJar, finishTogether, fullLogin, startLogin } from "../helpers/bff.ts";
import { approve, fakeState, uniqueHost } from "../helpers/fake.ts";

const ring = () => getKeyRing(loadConfig(env as Env).sessionKeys);
const loginCookies = (jar: CookieJar) =>
  [...jar.cookies.keys()].filter((n) => n.startsWith(LOGIN_COOKIE_PREFIX));
const longReturnTo = `/${"r".repeat(600)}`;

afterEach(() => vi.restoreAllMocks());

/** Waits for revocations sent from waitUntil (the test's fetch does not wait for them). */
async function revokedTokens(host: string, expected: number): Promise<number> {
  for (let i = 0; i < 40; i++) {
    const { revokedTokens } = await fakeState(host);
    if (revokedTokens >= expected) return revokedTokens;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return (await fakeState(host)).revokedTokens;
}

describe("login cookies", () => {
  it(`keeps at most ${MAX_LOGIN_COOKIES} login cookies after 19 parallel starts, and the session readable`, async () => {
    const host = uniqueHost("mastodon");
    const { jar } = await fullLogin(host);
    const header = jar.header();
    const query = new URLSearchParams({ instance: host, return_to: longReturnTo });
    // A double-click, many tabs, a retrying frontend: every start carries the same cookies.
    const starts = await Promise.all(
      Array.from({ length: 19 }, () => bff(`/auth/login?${query}`, { headers: { cookie: header } })),
    );
    for (const res of starts) {
      expect(res.status).toBe(302);
      jar.store(res);
    }
    expect(loginCookies(jar).length).toBeLessThanOrEqual(MAX_LOGIN_COOKIES);
    expect(jar.header().length).toBeLessThan(MAX_COOKIE_HEADER);
    expect((await bff("/auth/session", { jar })).status).toBe(200);
  });

  it("refuses a longer return_to and bounds a login cookie with every field at its maximum: 3 and a full session fit in 16 KB", async () => {
    const host = `${"h".repeat(63)}.${"o".repeat(63)}.${"s".repeat(63)}.${"t".repeat(61)}`;
    const tx: LoginTransaction = {
      state: stateIn(0, randomToken()),
      verifier: "v".repeat(43),
      host,
      origin: `https://${host}:65535`,
      clientId: "c".repeat(512),
      // The instance's own redirect URI is derived from the host, not stored.
      redirectUri: OWN_REDIRECT_URI,
      scopes: "read write push follow profile admin:read admin:write",
      returnTo: `/${"r".repeat(MAX_RETURN_TO_LENGTH - 1)}`,
      forceLogin: true,
      retried: true,
      expectedAcct: "a".repeat(64),
    };
    const tooLong = new URLSearchParams({
      instance: host,
      return_to: `/${"r".repeat(MAX_RETURN_TO_LENGTH)}`,
    });
    const refused = await bff(`/auth/login?${tooLong}`);
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ error: "invalid_return_to" });
    const cookie = await transactionCookie(tx, await ring());
    const pair = cookie.slice(0, cookie.indexOf(";"));
    expect(pair.length).toBeLessThanOrEqual(MAX_LOGIN_COOKIE_LENGTH);
    // Three slots, a session at its tested maximum (4,000 bytes), and the separators.
    expect(MAX_LOGIN_COOKIES * (MAX_LOGIN_COOKIE_LENGTH + 2) + 4000).toBeLessThan(MAX_COOKIE_HEADER);
  });

  it("recovers from a Cookie header past 16 KB of login cookies: a new login clears them and completes", async () => {
    const host = uniqueHost("mastodon");
    const { jar } = await fullLogin(host);
    // What 19 starts left behind before login cookies had slots (one cookie per state).
    for (let i = 0; i < 19; i++)
      jar.cookies.set(`${LOGIN_COOKIE_PREFIX}${`${i}`.padStart(12, "x")}`, "e".repeat(900));
    expect(jar.header().length).toBeGreaterThan(MAX_COOKIE_HEADER);
    const authorize = await startLogin(host, jar, "/app");
    expect(loginCookies(jar)).toHaveLength(1);
    const back = await approve(authorize.href);
    const done = await bff(back.pathname + back.search, { jar });
    expect(done.headers.get("location")).toBe("/app");
    const session = await bff("/auth/session", { jar });
    expect(session.status).toBe(200);
  });

  it("finishes a login whose callback carries a Cookie header past 16 KB (other cookies of the site)", async () => {
    const jar = new CookieJar();
    const authorize = await startLogin(uniqueHost("mastodon"), jar, "/app");
    const back = await approve(authorize.href);
    const cookie = `${jar.header()}; big=${"x".repeat(MAX_COOKIE_HEADER)}`;
    const done = await bff(back.pathname + back.search, { headers: { cookie } });
    expect(done.status).toBe(302);
    expect(done.headers.get("location")).toBe("/app");
    expect(done.headers.getSetCookie().some((c) => c.startsWith(`${SESSION_COOKIE}=ey`))).toBe(true);
  });

  it(`opens at most ${MAX_LOGIN_COOKIES} login cookies to find an unfinished login, however many are sent`, async () => {
    const keys = await ring();
    const pairs: string[] = [];
    for (let i = 0; i < 20; i++) {
      const sealed = await seal({ host: `other-${i}.example`, clientId: "c" }, "login", keys, 600);
      pairs.push(`${LOGIN_COOKIE_PREFIX}${`${i}`.padStart(12, "x")}=${sealed}`);
    }
    const decrypt = vi.spyOn(crypto.subtle, "decrypt");
    hasUnfinishedLogin(await openSlots(pairs.join("; "), keys), "mastodon.example", "c");
    expect(decrypt.mock.calls.length).toBeLessThanOrEqual(MAX_LOGIN_COOKIES);
  });
});

describe("two tabs finishing a login for the same account at the same moment", () => {
  it("revokes the token of the session the browser did not keep", async () => {
    // GoToSocial issues a new token per login (Mastodon would hand both tabs the same one).
    const host = uniqueHost("gts");
    // Two tabs: the second starts after the first (their login cookies take two slots).
    const browser = new CookieJar();
    const startA = await startLogin(host, browser);
    const startB = await startLogin(host, browser);
    expect(loginCookies(browser)).toHaveLength(2);
    // The second start found the first one unfinished and checked the app (its token revoked).
    const before = await revokedTokens(host, 1);
    const backA = await approve(startA.href);
    const backB = await approve(startB.href);
    // Both callbacks leave with the same cookies: each builds its session from the same old one.
    const [doneA, doneB] = await finishTogether(browser, backA, backB);
    expect([doneA.status, doneB.status]).toEqual([302, 302]);
    const info = await bff("/auth/session", { jar: browser });
    expect(info.status).toBe(200);
    expect(await revokedTokens(host, before + 1)).toBe(before + 1);
    const api = await bff("/api/v1/accounts/verify_credentials", {
      jar: browser,
      headers: { "x-csrf": "1" },
    });
    expect(api.status).toBe(200);
    expect(loginCookies(browser)).toEqual([]);
  });
});

describe("two tabs finishing logins with two instances at the same moment", () => {
  it("leaves no live token behind: the dropped account's token is revoked, and logout revokes the rest", async () => {
    const [first, second] = [uniqueHost("mastodon"), uniqueHost("gts")];
    const browser = new CookieJar();
    const backA = await approve((await startLogin(first, browser)).href);
    const backB = await approve((await startLogin(second, browser)).href, { user: "bob" });
    // The browser keeps the last session: the first instance's account is gone.
    const [doneA, doneB] = await finishTogether(browser, backA, backB);
    expect([doneA.status, doneB.status]).toEqual([302, 302]);
    expect((await bff("/auth/session", { jar: browser })).status).toBe(200);
    const logout = await bff("/auth/logout?all=1", {
      method: "POST",
      jar: browser,
      headers: { "x-csrf": "1" },
    });
    expect(logout.status).toBe(204);
    expect((await fakeState(first)).liveUserTokens).toBe(0);
    expect((await fakeState(second)).liveUserTokens).toBe(0);
    expect(loginCookies(browser)).toEqual([]);
  });
});
