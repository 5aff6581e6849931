import { describe, expect, it } from "vitest";
import { timingSafeEqual } from "../../src/crypto/compare.ts";
import { authorizeUrl } from "../../src/oauth/authorize.ts";
import { codeChallenge, randomToken } from "../../src/oauth/pkce.ts";
import { REGISTRATION } from "./support.ts";

describe("authorizeUrl", () => {
  it("asks for a code with the registered client, scopes and an S256 challenge", () => {
    const url = new URL(authorizeUrl(REGISTRATION, { state: "st", codeChallenge: "ch", forceLogin: false }));
    expect(`${url.origin}${url.pathname}`).toBe(REGISTRATION.endpoints.authorize);
    expect(Object.fromEntries(url.searchParams)).toEqual({
      client_id: "client-1",
      redirect_uri: REGISTRATION.redirectUri,
      response_type: "code",
      scope: "read write",
      state: "st",
      code_challenge: "ch",
      code_challenge_method: "S256",
    });
  });

  it("adds force_login only when asked", () => {
    const url = new URL(authorizeUrl(REGISTRATION, { state: "s", codeChallenge: "c", forceLogin: true }));
    expect(url.searchParams.get("force_login")).toBe("true");
  });
});

describe("PKCE", () => {
  it("derives the S256 challenge of RFC 7636 Appendix B", async () => {
    const verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    expect(await codeChallenge(verifier)).toBe("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
  });

  it("makes verifiers of 43 base64url characters, each new", () => {
    const a = randomToken();
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(randomToken()).not.toBe(a);
  });

  it("compares states exactly", () => {
    expect(timingSafeEqual("abc", "abc")).toBe(true);
    expect(timingSafeEqual("abc", "abd")).toBe(false);
    expect(timingSafeEqual("abc", "abcd")).toBe(false);
  });
});
