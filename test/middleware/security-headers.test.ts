import { describe, expect, it } from "vitest";
import {
  applySecurityHeaders,
  HSTS,
  SECURITY_HEADERS,
  securityHeaderRecord,
} from "../../src/middleware/security-headers.ts";
import { bff } from "../helpers/bff.ts";

const EXPECTED = {
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
};

describe("security headers", () => {
  it("sets nosniff, no Referer and no framing on an answer", () => {
    const res = new Response("hi", { headers: { "referrer-policy": "unsafe-url" } });
    applySecurityHeaders(res);
    for (const [name, value] of Object.entries(EXPECTED)) expect(res.headers.get(name)).toBe(value);
  });

  it("leaves a WebSocket upgrade (101) alone: the runtime owns its headers", () => {
    const headers = new Headers();
    const upgrade = { status: 101, headers } as unknown as Response;
    applySecurityHeaders(upgrade);
    expect([...headers]).toEqual([]);
  });

  it("offers the same headers as a record and as a list", () => {
    expect(securityHeaderRecord()).toEqual(EXPECTED);
    expect(Object.fromEntries(SECURITY_HEADERS)).toEqual(EXPECTED);
  });

  it("hands out a fresh record each time, so one answer's head never changes another's", () => {
    const first = securityHeaderRecord();
    first["x-frame-options"] = "SAMEORIGIN";
    expect(securityHeaderRecord()["x-frame-options"]).toBe("DENY");
  });

  it("forbids framing with CSP too, unless the answer brings its own policy", () => {
    const plain = new Response("{}");
    applySecurityHeaders(plain);
    expect(plain.headers.get("content-security-policy")).toBe("frame-ancestors 'none'");
    const page = new Response("<p>", { headers: { "content-security-policy": "default-src 'none'" } });
    applySecurityHeaders(page);
    expect(page.headers.get("content-security-policy")).toBe("default-src 'none'");
  });

  it("sends HSTS outside development only", async () => {
    const production = await bff("/auth/session");
    expect(production.headers.get("strict-transport-security")).toBe(HSTS);
    expect(production.headers.get("content-security-policy")).toBe("frame-ancestors 'none'");
    const development = await bff("/auth/session", { env: { ENVIRONMENT: "development" } });
    expect(development.headers.get("strict-transport-security")).toBeNull();
  });

  it("marks every /auth answer no-store, and adds the headers to it", async () => {
    const res = await bff("/auth/session");
    expect(res.headers.get("cache-control")).toBe("no-store");
    for (const [name, value] of Object.entries(EXPECTED)) expect(res.headers.get(name)).toBe(value);
  });
});
