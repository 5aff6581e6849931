import { describe, expect, it } from "vitest";
import type { Session } from "../../src/session/session.ts";
import { remainingLifetime } from "../../src/session/store.ts";

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
