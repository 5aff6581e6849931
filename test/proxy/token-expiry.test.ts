/**
 * Tokens that end: a token with a refresh token is renewed on the server side before it ends —
 * once, however many tabs and requests hold the old cookie (Pixelfed rotates refresh tokens and
 * refuses an old one) — and a token that cannot be renewed ends its account with 401
 * `reauth_required`. The session cookie never outlives its accounts' tokens.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { OWN_ERROR_HEADER } from "../../src/client/types.ts";
import type { Env } from "../../src/config/env.ts";
import { REFRESH_MEMO } from "../../src/registry/refresh.ts";
import { MAX_TOKEN_LIFETIME, REFRESH_MARGIN } from "../../src/session/token-life.ts";
import { bff, CookieJar, startLogin } from "../helpers/bff.ts";
import { travel as travelBy } from "../helpers/clock.ts";
import { advanceClock, approve, type Flavour, fakeState, uniqueHost } from "../helpers/fake.ts";
import { api, sessionKeys } from "./support.ts";

const DAY = 86_400;
/** A deployment that keeps sessions for two years, longer than any token here. */
const LONG_SESSIONS: Partial<Env> = { SESSION_TTL: String(2 * 365 * DAY) };
/** The servers' lifetimes, as their sources set them (test/fake-instance/lifetimes.ts). */
const PIXELFED_TOKEN = 365 * DAY;
const PIXELFED_REFRESH = 400 * DAY;
const MITRA_TOKEN = 30 * DAY;

afterEach(() => vi.useRealTimers());

/** Moves fedi-bff's clock (the Worker and its Durable Objects share the test's isolate) and the instance's. */
async function travel(origins: readonly string[], seconds: number): Promise<void> {
  travelBy(seconds);
  for (const origin of origins) await advanceClock(origin, seconds);
}

/** Signs `user` in to a fresh instance of `flavour` in `jar`, on a deployment with `env`. */
async function signIn(flavour: Flavour, jar: CookieJar, env: Partial<Env> = LONG_SESSIONS, user = "alice") {
  const host = uniqueHost(flavour);
  const authorize = await startLogin(host, jar);
  const back = await approve(authorize.href, { user });
  const callback = await bff(back.pathname + back.search, { jar, env });
  expect(callback.status).toBe(302);
  return { host, origin: `https://${host}`, maxAge: maxAgeOf(callback) };
}

function maxAgeOf(res: Response): number {
  const line = res.headers.getSetCookie().find((l) => l.startsWith("__Host-fedi-bff-session=")) ?? "";
  return Number(/Max-Age=(\d+)/.exec(line)?.[1]);
}

async function errorBody(res: Response): Promise<{ status: number; error: unknown; account: unknown }> {
  const body = (await res.json()) as { error?: unknown; account?: unknown };
  return { status: res.status, error: body.error, account: body.account };
}

describe("Pixelfed: tokens renewed with a rotating refresh token", () => {
  it("renews once when two tabs send the old cookie at the same time, and a late tab too", async () => {
    const jar = new CookieJar();
    const { origin } = await signIn("pixelfed", jar);
    expect((await api("/api/v1/timelines/home", jar)).status).toBe(200);
    const oldCookie = jar.header();
    await travel([origin], PIXELFED_TOKEN + 60);
    const tab = () => api("/api/v1/timelines/home", new CookieJar(), { headers: { cookie: oldCookie } });
    const [a, b] = await Promise.all([tab(), tab()]);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect((await fakeState(origin)).refreshes).toBe(1);
    // Both answers carry the renewed session; the browser keeps one of them.
    const renewed = a.headers.getSetCookie();
    expect(renewed).toEqual([expect.stringMatching(/^__Host-fedi-bff-session=[^;]+; Max-Age=\d+/)]);
    jar.store(a);
    expect(jar.header()).not.toBe(oldCookie);
    expect((await api("/api/v1/timelines/home", jar)).status).toBe(200);
    // A tab that wakes up later with the old cookie still gets the same renewal.
    const late = await tab();
    expect(late.status).toBe(200);
    expect((await fakeState(origin)).refreshes).toBe(1);
  });

  it("renews a token shortly before it ends, not long before", async () => {
    const jar = new CookieJar();
    const { origin } = await signIn("pixelfed", jar);
    await travel([origin], PIXELFED_TOKEN - REFRESH_MARGIN - 60);
    const early = await api("/api/v1/timelines/home", jar);
    expect(early.status).toBe(200);
    expect(early.headers.getSetCookie()).toEqual([]);
    await travel([origin], 120);
    const due = await api("/api/v1/timelines/home", jar);
    expect(due.status).toBe(200);
    expect(due.headers.getSetCookie()).toHaveLength(1);
    expect((await fakeState(origin)).refreshes).toBe(1);
  });

  it("ends the account with reauth_required once the refresh token has ended too", async () => {
    const jar = new CookieJar();
    const { origin } = await signIn("pixelfed", jar);
    const key = (await sessionKeys(jar)).active;
    await travel([origin], PIXELFED_REFRESH + 60);
    const res = await api("/api/v1/timelines/home", jar);
    expect(await errorBody(res)).toEqual({ status: 401, error: "reauth_required", account: key });
    expect(res.headers.get(OWN_ERROR_HEADER)).toBe("1");
    expect(jar.cookies.size).toBe(0);
    expect((await fakeState(origin)).refreshes).toBe(0);
  });

  it("does not reuse a renewal past its memo: the old refresh token is then refused cleanly", async () => {
    const jar = new CookieJar();
    const { origin } = await signIn("pixelfed", jar);
    const oldCookie = jar.header();
    await travel([origin], PIXELFED_TOKEN + 60);
    expect((await api("/api/v1/timelines/home", jar)).status).toBe(200);
    await travel([origin], REFRESH_MEMO + 60);
    const stale = await api("/api/v1/timelines/home", new CookieJar(), { headers: { cookie: oldCookie } });
    expect((await errorBody(stale)).error).toBe("reauth_required");
    expect((await api("/api/v1/timelines/home", jar)).status).toBe(200);
  });
});

describe("Mitra: 30-day tokens without refresh", () => {
  it("answers reauth_required for the ended account and keeps the others", async () => {
    const jar = new CookieJar();
    const mastodon = await signIn("mastodon", jar);
    const mitra = await signIn("mitra", jar, LONG_SESSIONS, "bob");
    const { keys } = await sessionKeys(jar);
    const mitraKey = keys.find((k) => k.endsWith(`@${mitra.host}`)) ?? "";
    const mastodonKey = keys.find((k) => k.endsWith(`@${mastodon.host}`)) ?? "";
    await travel([mastodon.origin, mitra.origin], MITRA_TOKEN + 60);
    const res = await api("/api/v1/timelines/home", jar, { headers: { "x-account": mitraKey } });
    expect(await errorBody(res)).toEqual({ status: 401, error: "reauth_required", account: mitraKey });
    expect(await sessionKeys(jar)).toEqual({ active: mastodonKey, keys: [mastodonKey] });
    expect((await api("/api/v1/timelines/home", jar)).status).toBe(200);
    // Nothing was sent to Mitra with the ended token.
    const sent = (await fakeState(mitra.origin)).requests.filter((r) => r.path === "/api/v1/timelines/home");
    expect(sent).toEqual([]);
  });

  it("never keeps a session cookie past the end of its only token", async () => {
    const jar = new CookieJar();
    const { maxAge } = await signIn("mitra", jar);
    expect(maxAge).toBeLessThanOrEqual(MITRA_TOKEN);
    expect(maxAge).toBeGreaterThan(MITRA_TOKEN - 60);
  });
});

describe("tokens whose lifetime is no end", () => {
  it("stores no end for Pleroma's 100-year tokens: the session lives as configured", async () => {
    expect(100 * 365 * DAY).toBeGreaterThan(MAX_TOKEN_LIFETIME);
    const jar = new CookieJar();
    const { maxAge } = await signIn("akkoma", jar);
    expect(maxAge).toBe(Number(LONG_SESSIONS.SESSION_TTL));
  });
});
