import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isBffError } from "../../src/errors.ts";
import { isProxyablePath, parseProxyTarget, stripAccessToken } from "../../src/proxy/path.ts";

const PREFIXES = ["/api/v1/", "/api/v2/"];
const BASE = "https://bff.example.com";

function codeOf(rawPath: string): string {
  try {
    parseProxyTarget(`${BASE}${rawPath}`, PREFIXES);
    return "ok";
  } catch (error) {
    return isBffError(error) ? error.code : String(error);
  }
}

// Raw request targets as a client (curl --path-as-is, a proxy, a hostile frontend) may send them.
const ATTACKS = [
  "/api/v1/../../oauth/token",
  "/api/v1/..",
  "/api/v1/./accounts",
  "/api/v1/accounts/.",
  "/api/v1/accounts/..",
  "/api/v1/%2e%2e/%2e%2e/oauth/token",
  "/api/v1/%2E%2E/admin",
  "/api/v1/.%2e/x",
  "/api/v1/%2e./x",
  "/api/v1/%2e/x",
  "/api/v1/a%2e",
  "/api/v1/..%2f..%2foauth%2ftoken",
  "/api/v1/accounts%2F1",
  "/api/v1/accounts%2f1",
  "/api/v1/accounts%5c..%5cadmin",
  "/api/v1/accounts%5C1",
  "/api/v1/accounts\\..\\admin",
  "/api/v1\\accounts",
  "/api/v1//accounts",
  "/api/v1/accounts//1",
  "//evil.example/api/v1/accounts",
  "/api/v1/%252e%252e/oauth",
  "/api/v1/%25",
  "/api/v1/accounts%00",
  "/api/v1/accounts%0d%0aHost:%20evil",
  "/api/v1/accounts%0A",
  "/api/v1/accounts%7f",
  "/api/v1/accounts%1F",
  "/api/v1/acc ounts",
  "/api/v1/acc\tounts",
  "/api/v1/acc\nounts",
  "/api/v1/accounts\u0000",
  "/api/v1/accounts/\u00e9",
  "/api/v1/accounts/\u2024\u2024/admin",
  "/api/v1/accounts/\uff0e\uff0e/admin",
  "/api/v1/accounts/%zz",
  "/api/v1/accounts/%2",
  // Escapes that are not UTF-8: an overlong dot, a lone continuation byte, a lone lead byte,
  // an encoded surrogate. A lenient decoder could make a dot or a slash of them.
  "/api/v1/%c0%ae%c0%ae/oauth/token",
  "/api/v1/accounts%c0%af1",
  "/api/v1/accounts/%e0%80%ae",
  "/api/v1/accounts/%80",
  "/api/v1/accounts/%ff",
  "/api/v1/accounts/%C3",
  "/api/v1/accounts/%ed%a0%80",
  '/api/v1/accounts"',
  "/api/v1/accounts<script>",
  "/api/v1/accounts{1}",
  "/api/v1/accounts|x",
  "/api/v1/accounts`x`",
  "/api/v1",
  "/api/v3/accounts",
  "/api/",
  "/oauth/token",
  "/auth/session",
  "/api/v1x/accounts",
  "/API/v1/accounts",
  `/api/v1/${"a".repeat(2100)}`,
];

describe("proxy path check", () => {
  it.each(ATTACKS)("refuses %j with invalid_path", (path) => {
    expect(codeOf(path)).toBe("invalid_path");
  });

  it.each([
    "/api/v1/accounts/verify_credentials",
    "/api/v1/timelines/home",
    "/api/v2/media",
    "/api/v1/streaming",
    "/api/v1/timelines/tag/caf%C3%A9",
    "/api/v1/timelines/tag/%E6%97%A5%E6%9C%AC",
    "/api/v1/timelines/tag/%F0%9F%A6%A3",
    "/api/v1/accounts/109000000000000001/statuses",
    "/api/v1/statuses/1/context",
    "/api/v1/.well-known-ish",
    "/api/v1/a..b",
    "/api/v1/accounts/lookup",
  ])("forwards %s", (path) => {
    expect(codeOf(path)).toBe("ok");
  });

  it("keeps the query but never an access_token, in any spelling", () => {
    const target = parseProxyTarget(
      `${BASE}/api/v1/timelines/home?access_token=stolen&limit=2&ACCESS_TOKEN=x&access%5Ftoken=y&access_token%5B%5D=z&max_id=5`,
      PREFIXES,
    );
    expect(target).toEqual({ path: "/api/v1/timelines/home", query: "?limit=2&max_id=5" });
    expect(stripAccessToken("?access_token=x")).toBe("");
    expect(stripAccessToken("?")).toBe("");
    expect(stripAccessToken("?types%5B%5D=mention&q=a%20b")).toBe("?types%5B%5D=mention&q=a%20b");
    expect(stripAccessToken("?acc%ZZess_token=1&a=1")).toBe("?a=1");
  });

  it("accepts only paths that every URL parser leaves exactly as they are", () => {
    const segment = fc.stringMatching(/^(?:[A-Za-z0-9\-._~!$&'()*+,;=:@]|%[0-9A-Fa-f]{2}|[./\\%?#\s])*$/);
    fc.assert(
      fc.property(fc.array(segment, { maxLength: 6 }), fc.constantFrom(...PREFIXES), (segments, prefix) => {
        const path = prefix + segments.join("/");
        if (!isProxyablePath(path, PREFIXES)) return;
        const parsed = new URL(path, BASE);
        expect(parsed.origin).toBe(BASE);
        expect(parsed.pathname).toBe(path);
        expect(parsed.search).toBe("");
        // What a server that decodes before routing sees (ASCII escapes only; others stay bytes).
        const decoded = path.replace(/%([0-7][0-9A-Fa-f])/g, (_, hex: string) =>
          String.fromCharCode(Number.parseInt(hex, 16)),
        );
        expect(decoded.split("/")).not.toContain("..");
        expect(decoded.split("/")).not.toContain(".");
        expect(decoded).not.toMatch(/[\\]|\/\/|[\x00-\x1f\x7f]/);
        // A second decoding (double-encoding attacks) finds nothing left to decode into ASCII.
        expect(decoded).not.toMatch(/%[0-7][0-9A-Fa-f]/);
      }),
      { numRuns: 2000 },
    );
  });

  it("honours a configured prefix list", () => {
    expect(isProxyablePath("/api/v1/accounts", ["/api/v2/"])).toBe(false);
    expect(isProxyablePath("/api/v2/media", ["/api/v2/"])).toBe(true);
  });
});
