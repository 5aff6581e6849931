import { describe, expect, it } from "vitest";
import {
  applyCorsHeaders,
  corsGrant,
  corsOrigin,
  isPreflight,
  preflightResponse,
} from "../../src/middleware/cors.ts";
import { BFF } from "../helpers/bff.ts";
import { FRONTEND, frontendDeps } from "./support.ts";

const PREFLIGHT = { "access-control-request-method": "POST" };

describe("CORS decisions", () => {
  it("grants CORS only to a listed frontend origin", async () => {
    const { config } = await frontendDeps();
    expect(corsOrigin(new Headers({ origin: FRONTEND }), config)).toBe(FRONTEND);
    expect(corsOrigin(new Headers({ origin: "https://evil.example" }), config)).toBeNull();
    expect(corsOrigin(new Headers({ origin: "null" }), config)).toBeNull();
    expect(corsOrigin(new Headers({ origin: `${FRONTEND}.evil.example` }), config)).toBeNull();
    expect(corsOrigin(new Headers(), config)).toBeNull();
  });

  it("treats the BFF's own origin as needing no CORS grant", async () => {
    const { config } = await frontendDeps();
    expect(corsOrigin(new Headers({ origin: BFF }), config)).toBeNull();
  });

  it("knows a preflight by OPTIONS with Access-Control-Request-Method", () => {
    expect(isPreflight("OPTIONS", new Headers(PREFLIGHT))).toBe(true);
    expect(isPreflight("OPTIONS", new Headers())).toBe(false);
    expect(isPreflight("POST", new Headers(PREFLIGHT))).toBe(false);
  });

  it("answers a listed origin's preflight with 204, credentials and the headers fedi-bff reads", async () => {
    const res = preflightResponse(FRONTEND);
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBe(FRONTEND);
    expect(res.headers.get("access-control-allow-credentials")).toBe("true");
    expect(res.headers.get("access-control-allow-headers")).toMatch(/(^|, )x-csrf(,|$)/);
    expect(res.headers.get("access-control-allow-headers")).toMatch(/(^|, )x-account(,|$)/);
    expect(res.headers.get("access-control-allow-methods")).toContain("PATCH");
    expect(res.headers.get("vary")).toBe("origin");
  });

  it("refuses an unlisted origin's preflight with 403 forbidden_origin and no grant", async () => {
    const res = preflightResponse(null);
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ error: "forbidden_origin" });
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("exposes Link and the rate-limit headers to a granted origin", () => {
    const exposed = corsGrant(FRONTEND)["access-control-expose-headers"]?.split(", ") ?? [];
    expect(exposed).toEqual(
      expect.arrayContaining(["link", "x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset"]),
    );
  });

  it("adds the grant to an answer's headers without dropping its own Vary", () => {
    const headers = new Headers({ vary: "accept-encoding" });
    applyCorsHeaders(headers, FRONTEND);
    expect(headers.get("access-control-allow-origin")).toBe(FRONTEND);
    expect(headers.get("access-control-allow-credentials")).toBe("true");
    expect(headers.get("access-control-expose-headers")).toBe(
      corsGrant(FRONTEND)["access-control-expose-headers"],
    );
    expect(headers.get("vary")).toBe("accept-encoding, origin");
  });
});
