/** The client's pure parts: the shared error codes, `Link` pages, and a login's result in the URL. */
import { describe, expect, it } from "vitest";
import { ERROR_CODES, isErrorCode, loginResult, parseLinks } from "../../src/client/index.ts";
import { ERROR_STATUS } from "../../src/errors.ts";

const BFF = "https://bff.example.com";

describe("error codes", () => {
  it("are the server's codes, every one and no other", () => {
    expect([...ERROR_CODES].sort()).toEqual(Object.keys(ERROR_STATUS).sort());
  });

  it("recognizes a code and nothing else", () => {
    expect(isErrorCode("session_revoked")).toBe(true);
    expect(isErrorCode("Validation failed: Text can't be blank")).toBe(false);
    expect(isErrorCode("constructor")).toBe(false);
    expect(isErrorCode(undefined)).toBe(false);
  });
});

describe("Link pages", () => {
  it("reads next and prev as fedi-bff rewrote them", () => {
    const header =
      `<${BFF}/api/v1/timelines/home?max_id=109>; rel="next", ` +
      `<${BFF}/api/v1/timelines/home?min_id=130>; rel="prev"`;
    expect(parseLinks(header, BFF)).toEqual({
      next: `${BFF}/api/v1/timelines/home?max_id=109`,
      prev: `${BFF}/api/v1/timelines/home?min_id=130`,
    });
  });

  it("accepts an unquoted rel, several rel values, other params and relative targets", () => {
    expect(parseLinks('</api/v1/x?max_id=1>; title="a, b"; rel=next', BFF).next).toBe(
      `${BFF}/api/v1/x?max_id=1`,
    );
    expect(parseLinks(`<${BFF}/api/v1/x?max_id=1>; rel="prev next"`, BFF)).toEqual({
      next: `${BFF}/api/v1/x?max_id=1`,
      prev: `${BFF}/api/v1/x?max_id=1`,
    });
  });

  it("never follows a link off fedi-bff, and survives garbage", () => {
    expect(parseLinks('<https://mastodon.example/api/v1/x?max_id=1>; rel="next"', BFF).next).toBeNull();
    expect(parseLinks('<//evil.example/api/v1/x>; rel="next"', BFF).next).toBeNull();
    expect(parseLinks('<http://[::1>; rel="next"', BFF).next).toBeNull();
    expect(parseLinks(null, BFF)).toEqual({ next: null, prev: null });
    expect(parseLinks("garbage; rel=next", BFF)).toEqual({ next: null, prev: null });
    expect(parseLinks(`<${BFF}/api/v1/x>; rel="alternate"`, BFF)).toEqual({ next: null, prev: null });
  });
});

describe("login result", () => {
  it("reads auth_error and auth_warning from the page fedi-bff came back to", () => {
    expect(loginResult(`${BFF}/?auth_error=access_denied`)).toEqual({
      error: "access_denied",
      warning: null,
    });
    expect(loginResult(`${BFF}/home?auth_warning=account_mismatch`)).toEqual({
      error: null,
      warning: "account_mismatch",
    });
    expect(loginResult(`${BFF}/`)).toEqual({ error: null, warning: null });
  });

  it("ignores a value fedi-bff never sends (a page must not show a link's text as an error)", () => {
    expect(loginResult(`${BFF}/?auth_error=Call+0800+now&auth_warning=x`)).toEqual({
      error: null,
      warning: null,
    });
  });
});
