/**
 * Real servers forget app registrations on their own: Mastodon 4.2.0–4.2.8's daily vacuum, snac's revoke that
 * deletes the app and its daily purge, an admin anywhere. Every login here must complete on its
 * first attempt (an instance error page is a dead end for the user), except after a deletion
 * nothing could have seen, where the user's retry must work.
 */
import { describe, expect, it } from "vitest";
import { bff, CookieJar, fullLogin, startLogin } from "../helpers/bff.ts";
import {
  advanceClock,
  approve,
  deleteApp,
  type Flavour,
  fakeState,
  runMastodonVacuum,
  runSnacPurge,
  uniqueHost,
} from "../helpers/fake.ts";

const DAY = 86_400;
const USERS = ["alice", "bob", "carol", "dave", "erin"];

const clientOf = (url: URL): string => url.searchParams.get("client_id") ?? "";

/** A login that must complete first time: start → the instance's consent → callback → signed in. */
async function loginFirstTime(host: string, user = "alice"): Promise<CookieJar> {
  const { jar, callback } = await fullLogin(host, { user });
  expect(callback.status).toBe(302);
  expect(callback.headers.get("location")).toBe("/");
  const session = await bff("/auth/session", { jar });
  expect(session.status).toBe(200);
  const body = (await session.json()) as { account: { username: string } };
  expect(body.account.username).toBe(user);
  return jar;
}

async function logout(jar: CookieJar): Promise<void> {
  const res = await bff("/auth/logout", { method: "POST", jar, headers: { "x-csrf": "1" } });
  expect(res.status).toBe(204);
}

const requestsTo = async (host: string, path: string) =>
  (await fakeState(host)).requests.filter((r) => r.method === "POST" && r.path === path);

describe("Mastodon 4.2.0–4.2.8's daily vacuum (later versions never delete apps)", () => {
  it("keeps the app of an abandoned login: the next login two days later completes first time", async () => {
    const host = uniqueHost("mastodon");
    await startLogin(host, new CookieJar());
    await advanceClock(host, 2 * DAY);
    await runMastodonVacuum(host, { applications: true });
    await loginFirstTime(host);
    expect((await fakeState(host)).registrations).toBe(1);
  });

  it("keeps the app after every user logged out: the next login completes first time", async () => {
    const host = uniqueHost("mastodon");
    const alice = await loginFirstTime(host, "alice");
    const bob = await loginFirstTime(host, "bob");
    await logout(alice);
    await logout(bob);
    expect((await fakeState(host)).liveUserTokens).toBe(0);
    await advanceClock(host, 2 * DAY);
    await runMastodonVacuum(host, { applications: true });
    await loginFirstTime(host, "carol");
  });

  it("starts a login with a registration known to be alive without asking the instance anything", async () => {
    const host = uniqueHost("mastodon");
    await startLogin(host, new CookieJar());
    const before = (await fakeState(host)).requests.length;
    await startLogin(host, new CookieJar());
    await startLogin(host, new CookieJar());
    expect((await fakeState(host)).requests.length).toBe(before);
  });
});

describe("snac: a revoke deletes the app, unused apps are purged", () => {
  it("logs in, logs out, and logs in again first time", async () => {
    const host = uniqueHost("snac");
    const jar = await loginFirstTime(host);
    await logout(jar);
    expect((await requestsTo(host, "/oauth/revoke")).length).toBe(1);
    expect((await fakeState(host)).liveUserTokens).toBe(0);
    await loginFirstTime(host);
  });

  it("logs in first time after the daily purge removed the app of an abandoned login", async () => {
    const host = uniqueHost("snac");
    await startLogin(host, new CookieJar());
    await advanceClock(host, 2 * 3600);
    await runSnacPurge(host);
    await loginFirstTime(host);
  });

  it("serves 20 logins and logouts by 5 users, each first time, with registrations bounded", async () => {
    const host = uniqueHost("snac");
    for (let round = 0; round < 4; round++) {
      const jars: CookieJar[] = [];
      for (const user of USERS) jars.push(await loginFirstTime(host, user));
      for (const jar of jars) await logout(jar);
    }
    const state = await fakeState(host);
    // One app per login, each deleted by its own logout: nothing is left behind on the instance.
    expect(state.registrations).toBe(20);
    expect(state.apps).toEqual([]);
    expect(state.liveUserTokens).toBe(0);
  });

  it("signs two people who log in at once into their own accounts", async () => {
    const host = uniqueHost("snac");
    const aliceJar = new CookieJar();
    const bobJar = new CookieJar();
    const aliceAt = await startLogin(host, aliceJar);
    const bobAt = await startLogin(host, bobJar);
    // Both sign in on the instance before either callback: snac hands a token to the last user
    // who signed in through the app, whatever the code.
    const aliceBack = await approve(aliceAt.href, { user: "alice" });
    const bobBack = await approve(bobAt.href, { user: "bob" });
    await bff(aliceBack.pathname + aliceBack.search, { jar: aliceJar });
    await bff(bobBack.pathname + bobBack.search, { jar: bobJar });
    const who = async (jar: CookieJar) =>
      ((await (await bff("/auth/session", { jar })).json()) as { account: { username: string } }).account
        .username;
    expect(await who(aliceJar)).toBe("alice");
    expect(await who(bobJar)).toBe("bob");
  });

  it("never checks a snac app with a token of its own, and never revokes one", async () => {
    const host = uniqueHost("snac");
    const jar = new CookieJar();
    await startLogin(host, jar);
    await startLogin(host, jar); // a retry of a login that never came back
    await loginFirstTime(host);
    expect(await requestsTo(host, "/oauth/token")).toHaveLength(1); // the code exchange
    expect(await requestsTo(host, "/oauth/revoke")).toHaveLength(0);
  });

  it("takes the token endpoint's empty 401 for an unknown client and starts over with a new app", async () => {
    const host = uniqueHost("snac");
    const jar = new CookieJar();
    const first = await startLogin(host, jar);
    const back = await approve(first.href);
    await deleteApp(`https://${host}`, clientOf(first));
    const callback = await bff(back.pathname + back.search, { jar });
    const again = new URL(callback.headers.get("location") ?? "");
    expect(again.origin + again.pathname).toBe(`https://${host}/oauth/authorize`);
    expect(clientOf(again)).not.toBe(clientOf(first));
    const done = await approve(again.href);
    expect((await bff(done.pathname + done.search, { jar })).headers.get("location")).toBe("/");
  });
});

describe("an app an admin deleted (nothing could have seen it)", () => {
  const flavours: Flavour[] = ["mastodon", "oldmasto", "gts", "akkoma", "hollo", "snac"];
  it.each(flavours)("heals on the user's retry on %s", async (flavour) => {
    const host = uniqueHost(flavour);
    await loginFirstTime(host);
    const jar = new CookieJar();
    const first = await startLogin(host, jar);
    await deleteApp(`https://${host}`, clientOf(first));
    // The instance shows its own error page; the user goes back and tries again.
    await expect(approve(first.href)).rejects.toThrow(/authorize did not redirect \(400\)/);
    const retry = await startLogin(host, jar);
    expect(clientOf(retry)).not.toBe(clientOf(first));
    const back = await approve(retry.href);
    expect((await bff(back.pathname + back.search, { jar })).headers.get("location")).toBe("/");
  });
});
