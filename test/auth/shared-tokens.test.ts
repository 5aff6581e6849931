/**
 * A logout never signs out another device or another user. Servers share tokens between logins
 * (Mastodon hands the same user the same live token on every device; Friendica keeps one token
 * per app and user and revokes all of an app's tokens at once), so a logout revokes a token only
 * when no other session of this fedi-bff holds it — and then it does.
 */
import { describe, expect, it } from "vitest";
import { bff, CookieJar, finishTogether, fullLogin, startLogin } from "../helpers/bff.ts";
import { approve, type Flavour, fakeState, uniqueHost } from "../helpers/fake.ts";

const logout = async (jar: CookieJar) => {
  const res = await bff("/auth/logout", { method: "POST", jar, headers: { "x-csrf": "1" } });
  expect(res.status).toBe(204);
};

/** The account the instance sees behind this browser's session: its username, or the proxy's status. */
async function whoAmI(jar: CookieJar): Promise<string | number> {
  const res = await bff("/api/v1/accounts/verify_credentials", { jar, headers: { "x-csrf": "1" } });
  if (res.status !== 200) return res.status;
  return ((await res.json()) as { username: string }).username;
}

async function signedIn(host: string, user: string): Promise<CookieJar> {
  const { jar, callback } = await fullLogin(host, { user });
  expect(callback.headers.get("location")).toBe("/");
  return jar;
}

const FLAVOURS: Flavour[] = ["mastodon", "oldmasto", "friendica", "gts", "hollo", "snac", "akkoma"];

describe("two devices of one user", () => {
  it.each(FLAVOURS)(
    "on %s: one logs out, the other keeps working, the last logout revokes",
    async (flavour) => {
      const host = uniqueHost(flavour);
      const laptop = await signedIn(host, "alice");
      const phone = await signedIn(host, "alice");
      expect(await whoAmI(laptop)).toBe("alice");
      expect(await whoAmI(phone)).toBe("alice");

      await logout(phone);
      expect(await whoAmI(laptop)).toBe("alice");
      expect((await fakeState(host)).liveUserTokens).toBe(1);

      await logout(laptop);
      expect((await fakeState(host)).liveUserTokens).toBe(0);
    },
  );

  it("on Mastodon the second device gets the same token, and logging out both revokes it once", async () => {
    const host = uniqueHost("mastodon");
    const laptop = await signedIn(host, "alice");
    const phone = await signedIn(host, "alice");
    const state = await fakeState(host);
    expect(state.liveUserTokens).toBe(1);
    await logout(laptop);
    await logout(phone);
    const revokes = (await fakeState(host)).requests.filter((r) => r.path === "/oauth/revoke");
    expect(revokes).toHaveLength(1);
  });

  it("signing in again in the same browser keeps the reused token for the other device", async () => {
    const host = uniqueHost("mastodon");
    const laptop = await signedIn(host, "alice");
    const phone = await signedIn(host, "alice");
    await fullLogin(host, { jar: phone, user: "alice" });
    expect(await whoAmI(phone)).toBe("alice");
    await logout(phone);
    expect(await whoAmI(laptop)).toBe("alice");
    await logout(laptop);
    expect((await fakeState(host)).liveUserTokens).toBe(0);
  });
});

describe("two tabs of one browser finishing logins at the same moment on Mastodon", () => {
  it("holds the reused token once: the logout revokes it, nothing stays live", async () => {
    const host = uniqueHost("mastodon");
    const browser = new CookieJar();
    const backA = await approve((await startLogin(host, browser)).href);
    const backB = await approve((await startLogin(host, browser)).href);
    await finishTogether(browser, backA, backB);
    expect(await whoAmI(browser)).toBe("alice"); // this request settles the finished logins
    expect((await fakeState(host)).liveUserTokens).toBe(1);
    await logout(browser);
    expect((await fakeState(host)).liveUserTokens).toBe(0);
  });
});

describe("two users of one instance", () => {
  it.each(["friendica", "mastodon", "snac"] as Flavour[])(
    "on %s: one logs out, the other keeps working",
    async (flavour) => {
      const host = uniqueHost(flavour);
      const alice = await signedIn(host, "alice");
      const bob = await signedIn(host, "bob");
      await logout(alice);
      expect(await whoAmI(bob)).toBe("bob");
      await logout(bob);
      expect((await fakeState(host)).liveUserTokens).toBe(0);
    },
  );
});
