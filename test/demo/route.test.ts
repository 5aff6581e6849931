import { describe, expect, it } from "vitest";
import { DEMO_JS } from "../../src/demo/client.ts";
import { ERROR_MESSAGES } from "../../src/demo/messages.ts";
import { ERROR_STATUS } from "../../src/errors.ts";
import { bff } from "../helpers/bff.ts";

const PATHS = ["/", "/demo.js", "/demo.css"];

/** The demo routes with DEMO_PAGE=true (the test env is production-like: off by default). */
const DEMO_ON = { env: { DEMO_PAGE: "true" } };

describe("demo page", () => {
  it("is 404 outside development unless DEMO_PAGE=true", async () => {
    for (const path of PATHS) {
      const res = await bff(path);
      expect(res.status).toBe(404);
      expect(await res.json()).toMatchObject({ error: "not_found" });
    }
  });

  it("serves page, script and stylesheet with a strict CSP that forbids framing", async () => {
    for (const path of PATHS) {
      const res = await bff(path, DEMO_ON);
      expect(res.status).toBe(200);
      const csp = res.headers.get("content-security-policy") ?? "";
      expect(csp).toContain("default-src 'none'");
      expect(csp).toContain("script-src 'self';");
      expect(csp).toContain("style-src 'self';");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toContain("base-uri 'none'");
      expect(csp).not.toContain("unsafe");
    }
  });

  it("has no inline script or style, which the CSP would block", async () => {
    const html = await (await bff("/", DEMO_ON)).text();
    expect(html).toMatch(/<script src="\/demo\.js" defer><\/script>/);
    expect(html.match(/<script/g)).toHaveLength(1);
    expect(html).not.toMatch(/<style|\sstyle=|\son[a-z]+=/i);
  });

  it("has a message for every error code", () => {
    expect(Object.keys(ERROR_MESSAGES).sort()).toEqual(Object.keys(ERROR_STATUS).sort());
    for (const message of Object.values(ERROR_MESSAGES)) expect(DEMO_JS).toContain(JSON.stringify(message));
  });
});
