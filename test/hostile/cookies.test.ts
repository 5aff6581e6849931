/// <reference types="vite/client" />
import { env } from "cloudflare:workers";
import { base64url, CompactEncrypt, EncryptJWT, generateKeyPair } from "jose";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { nowSeconds } from "../../src/clock.ts";
import { loadConfig } from "../../src/config/config.ts";
import type { Env } from "../../src/config/env.ts";
import { generateKey, getKeyRing, type KeyRing } from "../../src/crypto/key-ring.ts";
import { open, seal } from "../../src/crypto/seal.ts";
import { LOGIN_COOKIE_PREFIX, SESSION_COOKIE } from "../../src/session/cookies.ts";
import { MAX_ACCOUNTS } from "../../src/session/session.ts";
import corpusText from "../corpus/hostile-cookies.txt?raw";
import { bff, CookieJar, expectError, fullLogin, startLogin } from "../helpers/bff.ts";
import { approve, fakeState, uniqueHost } from "../helpers/fake.ts";
import { figure, parseCorpus, recordOutbound } from "./support.ts";

const corpus = parseCorpus(corpusText);
const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

let ring: KeyRing;
let otherRing: KeyRing;
/** A real session cookie value and a real login transaction (cookie name, value, callback URL). */
let session: string;
let login: { name: string; value: string; callback: string };
let sessionClaims: Record<string, unknown>;

beforeAll(async () => {
  ring = await getKeyRing(loadConfig(env as Env).sessionKeys);
  otherRing = await getKeyRing([generateKey()]);
  const { jar } = await fullLogin(uniqueHost("mastodon"));
  session = jar.cookies.get(SESSION_COOKIE) ?? "";
  sessionClaims = (await open(session, "session", ring)) as Record<string, unknown>;
  const loginJar = new CookieJar();
  const authorize = await startLogin(uniqueHost("mastodon"), loginJar);
  const [name = "", value = ""] =
    [...loginJar.cookies].find(([n]) => n.startsWith(LOGIN_COOKIE_PREFIX)) ?? [];
  const back = await approve(authorize.href);
  login = { name, value, callback: back.pathname + back.search };
});

let outbound: ReturnType<typeof recordOutbound> | undefined;
afterEach(() => {
  outbound?.stop();
  vi.useRealTimers();
});

/**
 * `value` with the top bit of the character at `i` flipped. (Flipping a low bit of a segment's
 * last character can touch only base64url padding bits: the bytes stay the same, so that is no
 * forgery, and the test flips a data bit instead.)
 */
function flip(value: string, i: number): string {
  const c = value[i] ?? "A";
  const next = ALPHABET[ALPHABET.indexOf(c) ^ 32] ?? "A";
  return value.slice(0, i) + next + value.slice(i + 1);
}

/** Claims as `seal` would write them, encrypted under any header/key the test chooses. */
function claims(purpose: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const now = nowSeconds();
  const { aud: _a, iat: _i, exp: _e, ...rest } = sessionClaims;
  return { ...rest, aud: `fedi-bff:${purpose}`, iat: now, exp: now + 3600, ...extra };
}

async function generated(): Promise<[string, string][]> {
  const enc = new TextEncoder();
  const secret = ring.current.secret;
  const kid = ring.current.kid;
  const now = nowSeconds();
  const pbes2 = await new CompactEncrypt(enc.encode(JSON.stringify(claims("session"))))
    .setProtectedHeader({ alg: "PBES2-HS256+A128KW", enc: "A256GCM", p2c: 1000, kid })
    .encrypt(enc.encode("hunter2"));
  const [, ...pbes2Rest] = pbes2.split(".");
  const pbes2Huge = [
    base64url.encode(
      JSON.stringify({
        alg: "PBES2-HS256+A128KW",
        enc: "A256GCM",
        p2c: 2_000_000_000,
        p2s: "c2FsdHNhbHQ",
        kid,
      }),
    ),
    ...pbes2Rest,
  ].join(".");
  const rsa = await generateKeyPair("RSA-OAEP-256");
  const rsaJwe = await new EncryptJWT(claims("session"))
    .setProtectedHeader({ alg: "RSA-OAEP-256", enc: "A256GCM", kid })
    .encrypt(rsa.publicKey);
  const a128kw = await new EncryptJWT(claims("session"))
    .setProtectedHeader({ alg: "A128KW", enc: "A256GCM", kid })
    .encrypt(secret.slice(0, 16));
  const a256kw = await new EncryptJWT(claims("session"))
    .setProtectedHeader({ alg: "A256KW", enc: "A256GCM", kid })
    .encrypt(secret);
  const dirA128 = await new EncryptJWT(claims("session"))
    .setProtectedHeader({ alg: "dir", enc: "A128GCM", kid })
    .encrypt(secret.slice(0, 16));
  const ourKidTheirKey = await new EncryptJWT(claims("session"))
    .setProtectedHeader({ alg: "dir", enc: "A256GCM", kid })
    .encrypt(otherRing.current.secret);
  const noKid = await new EncryptJWT(claims("session"))
    .setProtectedHeader({ alg: "dir", enc: "A256GCM" })
    .encrypt(secret);
  const noAud = await new EncryptJWT({ ...claims("session"), aud: undefined })
    .setProtectedHeader({ alg: "dir", enc: "A256GCM", kid })
    .encrypt(secret);
  const noExp = await new EncryptJWT({ ...claims("session"), exp: undefined })
    .setProtectedHeader({ alg: "dir", enc: "A256GCM", kid })
    .encrypt(secret);
  const reseal = (extra: Record<string, unknown>) =>
    seal(
      { ...claims("session"), ...extra, aud: undefined, iat: undefined, exp: undefined },
      "session",
      ring,
      3600,
    );
  const account = ((sessionClaims.z as unknown[])[0] ?? {}) as Record<string, unknown>;
  const compressed = await new CompactEncrypt(enc.encode(JSON.stringify(claims("session"))))
    .setProtectedHeader({ alg: "dir", enc: "A256GCM", kid, zip: "DEF" })
    .encrypt(secret);
  const cases: [string, string][] = [
    ["sealed with another key", await seal(claims("session"), "session", otherRing, 3600)],
    ["our kid, another key", ourKidTheirKey],
    ["no kid", noKid],
    ["expired a second ago", await seal(claims("session"), "session", ring, 60, now - 61)],
    ["expired a month ago", await seal(claims("session"), "session", ring, 3600, now - 30 * 86_400)],
    ["a login cookie used as the session", login.value],
    ["a stored app registration used as the session", await seal(claims("app"), "app", ring, 3600)],
    ["no audience", noAud],
    ["no expiry", noExp],
    ["PBES2 with p2c 1000", pbes2],
    ["PBES2 with p2c 2,000,000,000", pbes2Huge],
    ["RSA-OAEP-256", rsaJwe],
    ["A128KW", a128kw],
    ["A256KW with our key", a256kw],
    ["dir + A128GCM", dirA128],
    ["format version 2", await reseal({ v: 2 })],
    ["no accounts", await reseal({ z: [] })],
    ["active index out of range", await reseal({ x: 7 })],
    ["negative active index", await reseal({ x: -1 })],
    ["an account without a token", await reseal({ z: [{ ...account, t: undefined }] })],
    ["a token that is not a string", await reseal({ z: [{ ...account, t: { $ne: null } }] })],
    ["accounts as an object", await reseal({ z: { 0: account } })],
    ["compressed (zip DEF) under our key", compressed],
    [
      `${MAX_ACCOUNTS + 1} accounts`,
      await reseal({ z: Array.from({ length: MAX_ACCOUNTS + 1 }, (_, i) => ({ ...account, a: `${i}` })) }),
    ],
    ["over 8 KB", "A".repeat(8193)],
    ["a valid cookie with a trailing dot", `${session}.`],
    ["a valid cookie with a sixth part", `${session}.AAAA`],
    ["a valid cookie doubled", `${session}${session}`],
    ["a valid cookie, URL-encoded", encodeURIComponent(`${session}=`)],
    ["a valid cookie in quotes", `"${session}"`],
  ];
  for (const i of [0, 5, 20, 40]) cases.push([`header char ${i} changed`, flip(session, i)]);
  const parts = session.split(".");
  let offset = 0;
  parts.forEach((part, p) => {
    if (p > 0 && part.length > 0) {
      for (const at of [0, Math.floor(part.length / 2), part.length - 1])
        cases.push([`part ${p} char ${at} changed`, flip(session, offset + at)]);
    }
    offset += part.length + 1;
  });
  for (const keep of [1, 10, 50, 100, session.length - 30, session.length - 1])
    cases.push([`truncated to ${keep}`, session.slice(0, keep)]);
  return cases;
}

/**
 * The value if an HTTP header can carry it as text; null for CR, LF, NUL and non-ASCII (the
 * runtime refuses or re-encodes those before fedi-bff runs). The unit checks cover them.
 */
function onTheWire(value: string): string | null {
  return /^[\t\x20-\x7e]*$/.test(value) ? value : null;
}

describe("cookie corpus", () => {
  it("opens none of the corpus values", async () => {
    expect(corpus.length).toBeGreaterThanOrEqual(60);
    for (const { value } of corpus) {
      expect(await open(value, "session", ring)).toBeNull();
      expect(await open(value, "login", ring)).toBeNull();
    }
  });

  it("opens no bit flip and no truncation of a real session cookie, at any position", async () => {
    const opened: number[] = [];
    for (let i = 0; i < session.length; i++) {
      if ((await open(flip(session, i), "session", ring)) !== null) opened.push(i);
      if ((await open(session.slice(0, i), "session", ring)) !== null) opened.push(-i);
    }
    expect(opened).toEqual([]);
    expect(await open(session, "session", ring)).not.toBeNull();
    figure(
      `cookies: every 1-char flip and truncation of a real session (${2 * session.length} values) → not opened`,
    );
  });

  it("answers every malformed or tampered session cookie with 401 not_authenticated, no outbound request", async () => {
    const cases: [string, string][] = [
      ...corpus.map((e): [string, string] => [e.group, e.value]),
      ...(await generated()),
    ];
    outbound = recordOutbound();
    const wrong: string[] = [];
    const sendable = cases.flatMap(([name, raw]) => {
      const value = onTheWire(raw);
      return value === null ? [] : [[name, value] as const];
    });
    expect(sendable.length).toBeGreaterThanOrEqual(100);
    for (const [name, value] of sendable) {
      const cookie = `${SESSION_COOKIE}=${value}`;
      const info = await bff("/auth/session", { headers: { cookie } });
      const api = await bff("/api/v1/accounts/verify_credentials", {
        headers: { cookie, "x-csrf": "1" },
      });
      const sw = await bff("/auth/switch?account=1@x.example", {
        method: "POST",
        headers: { cookie, "x-csrf": "1" },
      });
      for (const res of [info, api, sw]) {
        const body = (await res.json()) as { error?: string };
        if (res.status !== 401 || body.error !== "not_authenticated")
          wrong.push(`${name} ${JSON.stringify(value.slice(0, 40))} → ${res.status} ${body.error}`);
      }
    }
    expect(wrong).toEqual([]);
    expect(outbound.urls()).toEqual([]);
    expect(cases.length).toBeGreaterThanOrEqual(100);
    figure(
      `cookies: ${cases.length} session cases (${sendable.length} sendable) × 3 routes → 401 not_authenticated, escapes 0, outbound 0`,
    );
  });

  it("answers every malformed, tampered or replayed login cookie at the callback with auth_error=login_expired", async () => {
    const cases: [string, string][] = [
      ...corpus.map((e): [string, string] => [e.group, e.value]),
      ["a session cookie replayed as the login cookie", session],
      ["the login cookie sealed with another key", await seal({ state: "x" }, "login", otherRing, 600)],
      ["the login cookie truncated", login.value.slice(0, -1)],
      ["the login cookie, one char changed", flip(login.value, Math.floor(login.value.length / 2))],
    ];
    outbound = recordOutbound();
    const wrong: string[] = [];
    const sendable = cases.flatMap(([name, raw]) => {
      const value = onTheWire(raw);
      return value === null ? [] : [[name, value] as const];
    });
    // The generated cases at least are plain ASCII: the loop below never runs empty.
    expect(sendable.length).toBeGreaterThanOrEqual(4);
    for (const [name, value] of sendable) {
      const res = await bff(login.callback, { headers: { cookie: `${login.name}=${value}` } });
      // Back to the app (no JSON dead end), never into a session.
      const location = res.headers.get("location");
      const session = res.headers.getSetCookie().some((line) => line.startsWith(SESSION_COOKIE));
      if (res.status !== 302 || location !== "/?auth_error=login_expired" || session)
        wrong.push(`${name} → ${res.status} ${location}`);
    }
    expect(wrong).toEqual([]);
    expect(outbound.urls()).toEqual([]);
    figure(
      `cookies: ${cases.length} login-cookie cases at /auth/callback → 302 auth_error=login_expired, escapes 0, outbound 0`,
    );
  });

  it("refuses PBES2 with a huge iteration count at once (no key derivation is attempted)", async () => {
    const [, value = ""] =
      (await generated()).find(([name]) => name === "PBES2 with p2c 2,000,000,000") ?? [];
    const started = performance.now();
    const res = await bff("/auth/session", { headers: { cookie: `${SESSION_COOKIE}=${value}` } });
    await expectError(res, 401, "not_authenticated");
    expect(performance.now() - started).toBeLessThan(500);
  });
});

describe("cookie headers", () => {
  it.each([
    [
      "a 100 KB Cookie header holding a valid session",
      () => `${"x=".padEnd(100_000, "y")}; ${SESSION_COOKIE}=${session}`,
    ],
    [
      "a 17 KB Cookie header holding a valid session",
      () => `${SESSION_COOKIE}=${session}; ${"x=".padEnd(17_000, "y")}`,
    ],
    [
      "a planted garbage session before the real one (first wins)",
      () => `${SESSION_COOKIE}=garbage; ${SESSION_COOKIE}=${session}`,
    ],
    ["the session under a name without __Host-", () => `fedi-bff-session=${session}`],
    ["the session under a differently cased name", () => `__host-fedi-bff-session=${session}`],
  ])("treats %s as no session: 401 not_authenticated", async (_, cookie) => {
    const res = await bff("/auth/session", { headers: { cookie: cookie() } });
    await expectError(res, 401, "not_authenticated");
  });

  it("still reads a valid session among many cookies under 16 KB (control case)", async () => {
    const many = Array.from({ length: 500 }, (_, i) => `c${i}=1`).join("; ");
    const res = await bff("/auth/session", {
      headers: { cookie: `${many}; ${SESSION_COOKIE}=${session}; b=2` },
    });
    expect(res.status).toBe(200);
  });
});

/**
 * A sibling subdomain can plant a cookie for the parent domain whose name does not start with
 * `__Host-` byte for byte, e.g. with a leading U+2000: the browser accepts it, and sends it first
 * when its Path is longer. (workerd sends non-ASCII header text as UTF-8, and warns about it.)
 * test/session/cookies.test.ts covers the rest of Unicode, test/e2e/sibling-cookie.e2e.ts the
 * real browser.
 */
describe("lookalike cookie names planted by a sibling subdomain", () => {
  const PADDING = ["\u2000", "\u000b", "\u000c"];

  it.each(PADDING.map((p) => [JSON.stringify(p), p]))(
    "never runs the API as the attacker whose session is planted under a name padded with %s",
    async (_, pad) => {
      const { jar: attacker } = await fullLogin(uniqueHost("mastodon"), { user: "bob" });
      const { jar: victim } = await fullLogin(uniqueHost("mastodon"));
      const planted = `${pad}${SESSION_COOKIE}=${attacker.cookies.get(SESSION_COOKIE)}`;
      const cookie = `${planted}; ${victim.header()}`;
      const api = await bff("/api/v1/accounts/verify_credentials", {
        headers: { cookie, "x-csrf": "1" },
      });
      await expectError(api, 401, "not_authenticated");
      await expectError(await bff("/auth/session", { headers: { cookie } }), 401, "not_authenticated");
      // Alone, the lookalike is no session either.
      await expectError(
        await bff("/auth/session", { headers: { cookie: planted } }),
        401,
        "not_authenticated",
      );
    },
  );

  it.each(PADDING.map((p) => [JSON.stringify(p), p]))(
    "refuses a login whose cookie is planted under a name padded with %s (no sign-in as the attacker)",
    async (_, pad) => {
      const attacker = new CookieJar();
      const authorize = await startLogin(uniqueHost("mastodon"), attacker);
      const back = await approve(authorize.href, { user: "bob" });
      const [name = "", value = ""] =
        [...attacker.cookies].find(([n]) => n.startsWith(LOGIN_COOKIE_PREFIX)) ?? [];
      const res = await bff(back.pathname + back.search, {
        headers: { cookie: `${pad}${name}=${value}` },
      });
      // No login of this browser matches: back to the app, signed in as nobody.
      expect(res.status).toBe(302);
      expect(res.headers.get("location")).toBe("/?auth_error=login_expired");
      expect(res.headers.getSetCookie().some((c) => c.startsWith(SESSION_COOKIE))).toBe(false);
    },
  );
});

describe("expired and stolen cookies", () => {
  it("sends an expired login (after a long 2FA) back to return_to with auth_error=login_expired", async () => {
    const jar = new CookieJar();
    const authorize = await startLogin(uniqueHost("mastodon"), jar, "/app");
    const back = await approve(authorize.href);
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Date.now() + 11 * 60_000);
    const res = await bff(back.pathname + back.search, { jar });
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("/app?auth_error=login_expired");
    expect(jar.cookies.has(SESSION_COOKIE)).toBe(false);
  });

  it("refuses a login cookie older than its cookie lifetime: to / with auth_error=login_expired", async () => {
    const jar = new CookieJar();
    const authorize = await startLogin(uniqueHost("mastodon"), jar, "/app");
    const back = await approve(authorize.href);
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Date.now() + 2 * 3600_000);
    const res = await bff(back.pathname + back.search, { jar });
    expect(res.status).toBe(302);
    // Its return_to is sealed in the cookie that no longer opens: the app's root instead.
    expect(res.headers.get("location")).toBe("/?auth_error=login_expired");
    expect(jar.cookies.has(SESSION_COOKIE)).toBe(false);
  });

  it("refuses a session past its lifetime: 401 not_authenticated, nothing proxied", async () => {
    const { jar } = await fullLogin(uniqueHost("mastodon"));
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Date.now() + 31 * 86_400_000);
    outbound = recordOutbound();
    await expectError(await bff("/auth/session", { jar }), 401, "not_authenticated");
    await expectError(
      await bff("/api/v1/accounts/verify_credentials", { jar, headers: { "x-csrf": "1" } }),
      401,
      "not_authenticated",
    );
    expect(outbound.urls()).toEqual([]);
  });

  it("makes a stolen copy of a session useless at the API once its owner logs out (token revoked upstream)", async () => {
    const host = uniqueHost("mastodon");
    const { jar } = await fullLogin(host);
    const stolen = jar.header();
    const logout = await bff("/auth/logout", { method: "POST", jar, headers: { "x-csrf": "1" } });
    expect(logout.status).toBe(204);
    expect((await fakeState(host)).revokedTokens).toBe(1);
    const res = await bff("/api/v1/accounts/verify_credentials", {
      headers: { cookie: stolen, "x-csrf": "1" },
    });
    await expectError(res, 401, "session_revoked");
  });
});
