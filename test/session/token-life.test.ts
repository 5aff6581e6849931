import { describe, expect, it } from "vitest";
import { accountBytes, fitAccount, MAX_ACCOUNT_BYTES } from "../../src/session/account-budget.ts";
import { decodeSession, encodeSession, type SessionAccount } from "../../src/session/session.ts";
import {
  lifetimeFields,
  MAX_TOKEN_LIFETIME,
  REFRESH_MARGIN,
  sessionLifetime,
  tokenEndOf,
  tokenState,
} from "../../src/session/token-life.ts";

const NOW = 1_800_000_000;
const DAY = 86_400;

const account: SessionAccount = {
  instance: "pixelfed.example",
  origin: "https://pixelfed.example",
  token: "token-1",
  scope: "read write",
  clientId: "client-1",
  id: "1",
  acct: "alice",
  username: "alice",
  displayName: "Alice",
  avatar: "",
  url: "",
  streaming: "wss://pixelfed.example",
};

describe("a token's end", () => {
  it("counts expires_in from the moment of issue", () => {
    expect(tokenEndOf(365 * DAY, NOW)).toBe(NOW + 365 * DAY);
    expect(tokenEndOf("2592000", NOW)).toBe(NOW + 30 * DAY);
  });

  it("treats an absurd lifetime (Pleroma's 100 years) and nonsense as no end", () => {
    expect(tokenEndOf(100 * 365 * DAY, NOW)).toBeUndefined();
    expect(tokenEndOf(MAX_TOKEN_LIFETIME + 1, NOW)).toBeUndefined();
    for (const value of [0, -5, Number.NaN, Number.POSITIVE_INFINITY, "soon", null, undefined, {}]) {
      expect(tokenEndOf(value, NOW)).toBeUndefined();
    }
  });

  it("keeps a refresh token only beside an end", () => {
    expect(lifetimeFields({ expiresIn: 3600, refreshToken: "r" }, NOW)).toEqual({
      tokenEnd: NOW + 3600,
      refreshToken: "r",
    });
    expect(lifetimeFields({ expiresIn: 100 * 365 * DAY, refreshToken: "r" }, NOW)).toEqual({});
    expect(lifetimeFields({ refreshToken: "r" }, NOW)).toEqual({});
  });

  it("is due for renewal within the margin when renewable, and ends the account when not", () => {
    const end = NOW + 1000;
    const renewable = { ...account, tokenEnd: end, refreshToken: "r" };
    expect(tokenState(renewable, end - REFRESH_MARGIN - 1)).toBe("live");
    expect(tokenState(renewable, end - REFRESH_MARGIN)).toBe("due");
    expect(tokenState(renewable, end + DAY)).toBe("due");
    const fixed = { ...account, tokenEnd: end };
    expect(tokenState(fixed, end - 1)).toBe("live");
    expect(tokenState(fixed, end)).toBe("ended");
    expect(tokenState(account, end + 100 * DAY)).toBe("live");
  });
});

describe("the session's lifetime", () => {
  it("never outlives the last token that cannot be renewed", () => {
    const mitra = { ...account, tokenEnd: NOW + 30 * DAY };
    expect(sessionLifetime([mitra], 90 * DAY, NOW)).toBe(30 * DAY);
    expect(sessionLifetime([mitra, { ...mitra, tokenEnd: NOW + 40 * DAY }], 90 * DAY, NOW)).toBe(40 * DAY);
  });

  it("is the configured one when any account's token never ends or can be renewed", () => {
    const mitra = { ...account, tokenEnd: NOW + 30 * DAY };
    expect(sessionLifetime([mitra, account], 90 * DAY, NOW)).toBe(90 * DAY);
    expect(sessionLifetime([{ ...mitra, refreshToken: "r" }], 90 * DAY, NOW)).toBe(90 * DAY);
    expect(sessionLifetime([mitra], 7 * DAY, NOW)).toBe(7 * DAY);
  });
});

describe("the cookie's account format", () => {
  const claims = (accounts: SessionAccount[]) =>
    ({ ...encodeSession(accounts, 0), exp: NOW, iat: NOW }) as {
      z: Record<string, unknown>[];
      exp: number;
      iat: number;
    };

  it("carries the end and the refresh token, and reads them back", () => {
    const renewable = { ...account, tokenEnd: NOW + DAY, refreshToken: "def50200abc" };
    expect(decodeSession(claims([renewable]))?.accounts).toEqual([renewable]);
    expect(decodeSession(claims([account]))?.accounts).toEqual([account]);
  });

  it("reads a cookie sealed before ends existed as tokens without one", () => {
    const old = claims([account]);
    expect(Object.keys(old.z[0] ?? {})).not.toContain("e");
    expect(decodeSession({ ...old, exp: NOW, iat: NOW })?.accounts[0]?.tokenEnd).toBeUndefined();
  });

  it.each([
    ["an end that is not whole seconds", { e: 1.5 }],
    ["an end as a string", { e: "1800000000" }],
    ["a refresh token without an end", { r: "x" }],
    ["a refresh token that is not a string", { e: NOW, r: 7 }],
  ])("refuses %s (no session rather than a guess)", (_, extra) => {
    const sealed = claims([account]);
    const z = [{ ...sealed.z[0], ...extra }];
    expect(decodeSession({ ...sealed, z, exp: NOW, iat: NOW })).toBeNull();
  });

  it("gives a refresh token room in its own account's budget", () => {
    const refreshToken = `def50200${"a".repeat(720)}`;
    const big = { ...account, displayName: "A".repeat(60), tokenEnd: NOW + DAY, refreshToken };
    const fitted = fitAccount(big, { scope: "read", streaming: account.streaming });
    expect(fitted).toEqual(big);
    expect(accountBytes(fitted)).toBeGreaterThan(MAX_ACCOUNT_BYTES);
  });
});
