/**
 * Servers with one app per login (snac, Friendica): nobody can spend an instance's registrations
 * for everyone else, and no server is left with piles of apps nobody signed in through.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { LOGIN_TTL } from "../../src/auth/login/transaction.ts";
import { PENDING_TTL, PER_LOGIN_LIMIT, PER_LOGIN_SHARE } from "../../src/registry/keeping.ts";
import { bff, CookieJar, expectError, fullLogin } from "../helpers/bff.ts";
import { travel } from "../helpers/clock.ts";
import { approve, type Flavour, fakeState, uniqueHost } from "../helpers/fake.ts";

afterEach(() => vi.useRealTimers());

/** A login start from `ip` that nobody finishes; its status. */
async function abandonedStart(host: string, ip: string): Promise<Response> {
  return bff(`/auth/login?instance=${host}`, { headers: { "cf-connecting-ip": ip } });
}

/** A new user (a fresh address) signs in: where the callback sent the browser. */
async function newUserSignsIn(
  host: string,
  user = "carol",
): Promise<{ jar: CookieJar; location: string | null }> {
  const { jar, callback } = await fullLogin(host, { user });
  return { jar, location: callback.headers.get("location") };
}

const logout = (jar: CookieJar) => bff("/auth/logout", { method: "POST", jar, headers: { "x-csrf": "1" } });

describe("a per-login server's budget", () => {
  it("waits for a login no longer than a login can take", () => {
    expect(PENDING_TTL).toBeGreaterThan(LOGIN_TTL);
  });

  it.each(["snac", "friendica"] as Flavour[])(
    "on %s: 60 abandoned starts from 3 addresses leave the instance open to a new user",
    async (flavour) => {
      const host = uniqueHost(flavour);
      // Addresses of their own: the login rate limit (per address and minute) must not count them.
      const net = flavour === "snac" ? "100.64.2" : "100.64.3";
      const addresses = [`${net}.1`, `${net}.2`, `${net}.3`];
      const statuses: number[] = [];
      for (let i = 0; i < 60; i++) statuses.push((await abandonedStart(host, addresses[i % 3] ?? "")).status);
      const share = PER_LOGIN_SHARE.pending + PER_LOGIN_SHARE.abandoned;
      expect(statuses.filter((s) => s === 302)).toHaveLength(3 * share);
      expect(statuses.filter((s) => s === 429)).toHaveLength(60 - 3 * share);
      expect((await fakeState(host)).registrations).toBe(3 * share);
      expect((await newUserSignsIn(host)).location).toBe("/");
    },
  );

  it("refuses only the address past its share, with a Retry-After", async () => {
    const host = uniqueHost("snac");
    const share = PER_LOGIN_SHARE.pending + PER_LOGIN_SHARE.abandoned;
    for (let i = 0; i < share; i++) expect((await abandonedStart(host, "100.64.1.9")).status).toBe(302);
    const refused = await abandonedStart(host, "100.64.1.9");
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    await expectError(refused, 429, "registration_rate_limited");
    expect((await abandonedStart(host, "100.64.1.10")).status).toBe(302);
    travel(PER_LOGIN_LIMIT.windowSeconds + 1);
    expect((await abandonedStart(host, "100.64.1.9")).status).toBe(302);
  });

  it("caps the unfinished logins of all addresses together, until they expire", async () => {
    const host = uniqueHost("snac");
    const clients = PER_LOGIN_LIMIT.pending / PER_LOGIN_SHARE.pending;
    for (let c = 0; c < clients; c++) {
      for (let i = 0; i < PER_LOGIN_SHARE.pending; i++) await abandonedStart(host, `100.65.${c}.1`);
    }
    await expectError(await abandonedStart(host, "100.64.9.77"), 429, "registration_rate_limited");
    travel(PENDING_TTL + 1);
    expect((await newUserSignsIn(host)).location).toBe("/");
  });

  it("lets a login that was given up for a newer one of the same browser still finish", async () => {
    const host = uniqueHost("snac");
    const jar = new CookieJar();
    const ip = { "cf-connecting-ip": "100.64.1.20" };
    const first = await bff(`/auth/login?instance=${host}`, { jar, headers: ip });
    for (let i = 0; i < PER_LOGIN_SHARE.pending; i++) await abandonedStart(host, "100.64.1.20");
    const back = await approve(first.headers.get("location") ?? "");
    const done = await bff(back.pathname + back.search, { jar, headers: ip });
    expect(done.headers.get("location")).toBe("/");
  });
});

describe("Friendica: idle per-login apps serve the next login", () => {
  it("hands an abandoned app to a later login instead of registering another", async () => {
    const host = uniqueHost("friendica");
    for (let i = 0; i < 4; i++) await abandonedStart(host, "100.64.1.30");
    expect((await fakeState(host)).registrations).toBe(4);
    travel(PENDING_TTL + 1);
    for (const user of ["alice", "bob"]) expect((await newUserSignsIn(host, user)).location).toBe("/");
    expect((await fakeState(host)).registrations).toBe(4);
  });

  it("reuses the app of a session that logged out; its logout signed out nobody else", async () => {
    const host = uniqueHost("friendica");
    const alice = await newUserSignsIn(host, "alice");
    const bob = await newUserSignsIn(host, "bob");
    expect((await logout(alice.jar)).status).toBe(204);
    const carol = await newUserSignsIn(host, "carol");
    expect(carol.location).toBe("/");
    expect((await fakeState(host)).registrations).toBe(2);
    const who = await bff("/api/v1/accounts/verify_credentials", {
      jar: bob.jar,
      headers: { "x-csrf": "1" },
    });
    expect(who.status).toBe(200);
  });
});
