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
  const start = (init: Record<string, string>, method = "GET") =>
    decision(() => loginStart(method, new Headers(init), deps));
  const startOf = (init: Record<string, string>, method = "GET") =>
    loginStart(method, new Headers(init), deps);
  const navigation = { "sec-fetch-dest": "document", "sec-fetch-mode": "navigate" };

  it("starts at once when the app itself asked: X-CSRF, or a POST from an allowed origin", () => {
    expect(startOf({ "x-csrf": "1" })).toBe("start");
    expect(startOf({ "x-csrf": "1", "sec-fetch-dest": "empty", "sec-fetch-site": "same-origin" })).toBe(
      "start",
    );
    expect(startOf({ origin: FRONTEND }, "POST")).toBe("start");
    expect(startOf({ origin: BFF, ...navigation, "sec-fetch-site": "same-origin" }, "POST")).toBe("start");
  });

  it("asks a person to confirm every top-level navigation, same-origin ones too", () => {
    for (const site of ["none", "same-origin", "same-site"]) {
      expect(startOf({ ...navigation, "sec-fetch-site": site })).toBe("confirm");
    }
    expect(startOf({ ...navigation, "sec-fetch-site": "same-site", referer: `${FRONTEND}/login` })).toBe(
      "confirm",
    );
    // A browser without Fetch Metadata still asks for HTML when it navigates.
    expect(startOf({ accept: "text/html,application/xhtml+xml" })).toBe("confirm");
  });

  it("starts nothing for an image, a script, a frame or a fetch without X-CSRF", () => {
    for (const dest of ["image", "script", "iframe", "frame", "style", "object", "embed", "empty"]) {
      expect(
        start({ "sec-fetch-dest": dest, "sec-fetch-mode": "no-cors", "sec-fetch-site": "same-origin" }),
      ).toEqual(CSRF);
    }
    // An <img crossorigin> sends Origin with a GET: still no start.
    expect(start({ "sec-fetch-dest": "image", "sec-fetch-mode": "cors", origin: BFF })).toEqual(CSRF);
    // No Fetch Metadata and no navigation (an old browser's image, curl without X-CSRF).
    expect(start({ accept: "image/avif,image/*,*/*" })).toEqual(CSRF);
    expect(start({})).toEqual(CSRF);
  });

  it("refuses a form POST without Origin", () => {
    expect(start({ ...navigation }, "POST")).toEqual(FORBIDDEN);
  });

  it("refuses a cross-site start and a foreign Origin", () => {
    expect(start({ "sec-fetch-site": "cross-site", ...navigation })).toEqual(FORBIDDEN);
    expect(start({ origin: "https://evil.example", "x-csrf": "1" })).toEqual(FORBIDDEN);
    expect(start({ origin: "https://evil.example" }, "POST")).toEqual(FORBIDDEN);
  });
});
