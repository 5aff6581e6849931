import { describe, expect, it } from "vitest";
import { generateKey, getKeyRing } from "../../src/crypto/key-ring.ts";
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

const account: SessionAccount = {
  instance: "mastodon.example",
  origin: "https://mastodon.example",
  token: "t".repeat(43),
  scope: "read write",
  clientId: "c".repeat(43),
  id: "1",
  acct: "alice",
  username: "alice",
  displayName: "Alice",
  avatar: "https://mastodon.example/a.png",
  url: "https://mastodon.example/@alice",
  streaming: "wss://mastodon.example",
};

describe("the memo of opened sessions", () => {
  // An opened session is a fresh object; a memo hit hands back the one remembered.
  it("remembers a session from its second opening on, not its first", async () => {
    const ring = await getKeyRing([generateKey()]);
    const cookie = (await sessionSetCookie([account], 0, ring, 3600)).split(";")[0] as string;
    const first = await readSession(cookie, ring);
    const second = await readSession(cookie, ring);
    const third = await readSession(cookie, ring);
    expect(first?.accounts).toEqual([account]);
    expect(second).not.toBe(first);
    expect(third).toBe(second);
  });

  it("still opens a remembered cookie for another key ring itself (and fails where its keys do)", async () => {
    const ring = await getKeyRing([generateKey()]);
    const other = await getKeyRing([generateKey()]);
    const cookie = (await sessionSetCookie([account], 0, ring, 3600)).split(";")[0] as string;
    await readSession(cookie, ring);
    await readSession(cookie, ring);
    expect(await readSession(cookie, other)).toBeNull();
  });
});
