/**
 * How often the login flow decrypts the browser's cookies (the flow's behaviour, not its layout):
 * each /auth request opens each cookie at most once, so a successful callback decrypts its login
 * cookie exactly once and a login start opens each login slot once.
 */
import { base64url } from "jose";
import { afterEach, describe, expect, it, vi } from "vitest";
import { LOGIN_COOKIE_PREFIX, SESSION_COOKIE } from "../../src/session/cookies.ts";
import { bff, CookieJar, fullLogin, startLogin } from "../helpers/bff.ts";
import { approve, uniqueHost } from "../helpers/fake.ts";

/** The bytes AES-GCM decrypts for a compact JWE: its ciphertext and tag. */
function sealedBytes(jwe: string): string {
  const [, , , ciphertext = "", tag = ""] = jwe.split(".");
  return [...base64url.decode(ciphertext), ...base64url.decode(tag)].join(",");
}

/** Counts the decryptions of each named cookie of `jar` while `run` runs. */
async function decryptionsOf(jar: CookieJar, names: string[], run: () => Promise<unknown>) {
  const watched = new Map(names.map((name) => [sealedBytes(jar.cookies.get(name) ?? ""), name]));
  const counts = Object.fromEntries(names.map((name) => [name, 0]));
  const decrypt = vi.spyOn(crypto.subtle, "decrypt");
  let calls: unknown[][];
  try {
    await run();
  } finally {
    // Read before restoring: restoring a spy forgets its calls.
    calls = [...decrypt.mock.calls];
    decrypt.mockRestore();
  }
  for (const [, , data] of calls) {
    const bytes = new Uint8Array(
      ArrayBuffer.isView(data)
        ? data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)
        : (data as ArrayBuffer),
    );
    const name = watched.get([...bytes].join(","));
    if (name !== undefined) counts[name] = (counts[name] ?? 0) + 1;
  }
  return counts;
}

const loginCookies = (jar: CookieJar) =>
  [...jar.cookies.keys()].filter((n) => n.startsWith(LOGIN_COOKIE_PREFIX));

describe("cookie decryptions per /auth request", () => {
  afterEach(() => vi.restoreAllMocks());

  it("opens the login cookie once on a successful callback, beside another pending login and a session", async () => {
    const { jar } = await fullLogin(uniqueHost("mastodon"));
    await startLogin(uniqueHost("gts"), jar);
    const authorize = await startLogin(uniqueHost("mastodon"), jar);
    const back = await approve(authorize.href, { user: "bob" });
    const names = [SESSION_COOKIE, ...loginCookies(jar)];
    expect(names).toHaveLength(3);
    let location: string | null = null;
    const counts = await decryptionsOf(jar, names, async () => {
      location = (await bff(back.pathname + back.search, { jar })).headers.get("location");
    });
    expect(location).toBe("/");
    for (const name of names.filter((n) => n !== SESSION_COOKIE)) {
      expect({ name, opened: counts[name] }).toEqual({ name, opened: 1 });
    }
    // The session may already be open in this isolate's memo: at most once.
    expect(counts[SESSION_COOKIE]).toBeLessThanOrEqual(1);
  });

  it("opens each login slot once on a login start", async () => {
    const jar = new CookieJar();
    await startLogin(uniqueHost("mastodon"), jar);
    await startLogin(uniqueHost("mastodon"), jar);
    const names = loginCookies(jar);
    expect(names).toHaveLength(2);
    const counts = await decryptionsOf(jar, names, () => startLogin(uniqueHost("mastodon"), jar));
    for (const name of names) expect({ name, opened: counts[name] }).toEqual({ name, opened: 1 });
  });
});
