import { describe, expect, it, vi } from "vitest";
import { generateKey, getKeyRing, type KeyRing } from "../../src/crypto/key-ring.ts";
import type { Session, SessionAccount } from "../../src/session/session.ts";
import { readSession, remainingLifetime, sessionSetCookie } from "../../src/session/store.ts";

const NOW = 1_800_000_000;
const sessionUntil = (exp: number): Session => ({ accounts: [], active: 0, exp });

describe("a re-sealed session's lifetime", () => {
  it("keeps the session's own expiry: a logout or a switch never extends it", () => {
    expect(remainingLifetime(sessionUntil(NOW + 3600), NOW)).toBe(3600);
  });

  it("is never under a minute, so the new cookie is valid when the browser gets it", () => {
    expect(remainingLifetime(sessionUntil(NOW + 5), NOW)).toBe(60);
    expect(remainingLifetime(sessionUntil(NOW - 10), NOW)).toBe(60);
  });

  it("counts from the clock when no time is given", () => {
    const left = remainingLifetime(sessionUntil(Math.floor(Date.now() / 1000) + 7200));
    expect(left).toBeGreaterThan(7190);
    expect(left).toBeLessThanOrEqual(7200);
  });
});

describe("the per-isolate memo of opened sessions", () => {
  const account: SessionAccount = {
    instance: "mastodon.example.net",
    origin: "https://mastodon.example.net",
    token: "t".repeat(43),
    scope: "read write",
    clientId: "c".repeat(43),
    id: "1",
    acct: "alice",
    username: "alice",
    displayName: "Alice",
    avatar: "https://mastodon.example.net/avatar.png",
    url: "https://mastodon.example.net/@alice",
    streaming: "wss://mastodon.example.net",
  };
  const cookieOf = async (ring: KeyRing) =>
    (await sessionSetCookie([account], 0, ring, 3600)).split(";")[0] as string;

  /** How many AES-GCM decryptions `run` makes. */
  async function decryptions(run: () => Promise<unknown>): Promise<number> {
    const decrypt = vi.spyOn(crypto.subtle, "decrypt");
    try {
      await run();
      return decrypt.mock.calls.length;
    } finally {
      decrypt.mockRestore();
    }
  }

  it("opens a session on its first two requests in an isolate, then answers from memory", async () => {
    const ring = await getKeyRing([generateKey()]);
    const cookie = await cookieOf(ring);
    const counts = [];
    for (let i = 0; i < 4; i++) counts.push(await decryptions(() => readSession(cookie, ring)));
    expect(counts).toEqual([1, 1, 0, 0]);
  });

  it("keeps a returning session while thousands of others are seen once each", async () => {
    const ring = await getKeyRing([generateKey()]);
    const regular = await cookieOf(ring);
    await readSession(regular, ring);
    await readSession(regular, ring);
    // More one-time sessions than the memo holds: none of them may push the regular one out.
    for (let i = 0; i < 1500; i++) expect(await readSession(await cookieOf(ring), ring)).not.toBeNull();
    expect(await decryptions(() => readSession(regular, ring))).toBe(0);
  });
});
