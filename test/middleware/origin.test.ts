import { describe, expect, it } from "vitest";
import {
  assertCsrfHeader,
  assertNotCrossSite,
  assertSameOriginAction,
  loginStart,
} from "../../src/middleware/origin.ts";
import { BFF } from "../helpers/bff.ts";
import { decision, FRONTEND, frontendDeps } from "./support.ts";

const FORBIDDEN = { status: 403, error: "forbidden_origin" };
const CSRF = { status: 403, error: "csrf_required" };

describe("cross-site checks", async () => {
  const deps = await frontendDeps();
  const headers = (init: Record<string, string>) => new Headers(init);
  const cases = (...inits: Record<string, string>[]) => inits;

  it("refuses a foreign Origin, the opaque origin null, and Sec-Fetch-Site: cross-site", () => {
    for (const init of cases(
      { origin: "https://evil.example" },
      { origin: "null" },
      { origin: BFF, "sec-fetch-site": "cross-site" },
    )) {
      expect(decision(() => assertNotCrossSite(headers(init), deps))).toEqual(FORBIDDEN);
    }
  });

  it("lets the BFF's own origin, a listed frontend, and requests without Origin through", () => {
    for (const init of cases({ origin: BFF }, { origin: FRONTEND }, {})) {
      expect(decision(() => assertNotCrossSite(headers(init), deps))).toBe("allowed");
    }
  });

  it("requires X-CSRF: 1 on the API, even from an allowed origin", () => {
    expect(decision(() => assertCsrfHeader(headers({ origin: FRONTEND }), deps))).toEqual(CSRF);
    expect(decision(() => assertCsrfHeader(headers({ "x-csrf": "true" }), deps))).toEqual(CSRF);
    expect(decision(() => assertCsrfHeader(headers({ "x-csrf": "1" }), deps))).toBe("allowed");
    const foreign = headers({ "x-csrf": "1", origin: "https://evil.example" });
    expect(decision(() => assertCsrfHeader(foreign, deps))).toEqual(FORBIDDEN);
  });

  it("accepts a state-changing /auth action with X-CSRF, an allowed Origin or a same-origin fetch", () => {
    for (const init of cases({ "x-csrf": "1" }, { origin: FRONTEND }, { "sec-fetch-site": "same-origin" })) {
      expect(decision(() => assertSameOriginAction(headers(init), deps))).toBe("allowed");
    }
  });

  it("refuses a state-changing /auth action that proves no origin", () => {
    for (const init of cases({}, { "sec-fetch-site": "same-site" }, { "sec-fetch-site": "none" })) {
      expect(decision(() => assertSameOriginAction(headers(init), deps))).toEqual(CSRF);
    }
  });
});

describe("starting a login", async () => {
  const deps = await frontendDeps();
  const start = (init: Record<string, string>) => decision(() => loginStart(new Headers(init), deps));
  const startOf = (init: Record<string, string>) => loginStart(new Headers(init), deps);

  it("starts at once when the app itself asked", () => {
    expect(startOf({ "x-csrf": "1" })).toBe("start");
    expect(startOf({ origin: FRONTEND })).toBe("start");
    expect(startOf({ "sec-fetch-site": "same-origin" })).toBe("start");
    expect(startOf({ "sec-fetch-site": "same-site", referer: `${FRONTEND}/login` })).toBe("start");
  });

  it("asks for confirmation when nothing on our origin started it", () => {
    expect(startOf({ "sec-fetch-site": "none" })).toBe("confirm");
    expect(startOf({ accept: "text/html,application/xhtml+xml" })).toBe("confirm");
  });

  it("starts at once for a client that is no browser (no Fetch Metadata, no HTML)", () => {
    expect(startOf({ accept: "application/json" })).toBe("start");
  });

  it("refuses a same-site start whose Referer is not an allowed origin", () => {
    expect(start({ "sec-fetch-site": "same-site", referer: "https://other.example.com/" })).toEqual(
      FORBIDDEN,
    );
    expect(start({ "sec-fetch-site": "same-site", referer: "not a url" })).toEqual(FORBIDDEN);
    expect(start({ "sec-fetch-site": "same-site" })).toEqual(FORBIDDEN);
  });

  it("refuses a cross-site start and a foreign Origin", () => {
    expect(start({ "sec-fetch-site": "cross-site" })).toEqual(FORBIDDEN);
    expect(start({ origin: "https://evil.example", "x-csrf": "1" })).toEqual(FORBIDDEN);
  });
});
