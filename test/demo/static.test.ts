/**
 * The one-origin deployment as configured: wrangler.toml's [assets] sends fedi-bff's paths to the
 * Worker and everything else to the static demo, whose page runs under its own strict CSP. The
 * routing itself runs in front of the Worker (not inside this test's workerd); the browser e2e
 * test proves it (test/e2e/browser.e2e.ts).
 */
import { describe, expect, it } from "vitest";
import headersFile from "../../demo/public/_headers?raw";
import html from "../../demo/public/index.html?raw";
import { FEDI_BFF_PATHS } from "../../src/fedi-bff.ts";
import wranglerToml from "../../wrangler.toml?raw";
import { bff, expectError } from "../helpers/bff.ts";

/** The `[assets]` table of wrangler.toml: its `key = value` lines. */
function assetsTable(): Record<string, string> {
  const table = /^\[assets\]\n([\s\S]*?)(?:^\[|(?![\s\S]))/m.exec(wranglerToml)?.[1] ?? "";
  const entries = [...table.matchAll(/^(\w+)\s*=\s*(.+)$/gm)].map(([, key = "", value = ""]) => [key, value]);
  return Object.fromEntries(entries);
}

describe("one origin: wrangler.toml [assets]", () => {
  it("runs the Worker first for exactly fedi-bff's paths", () => {
    const paths = JSON.parse(assetsTable().run_worker_first ?? "null") as string[];
    expect(paths).toEqual(FEDI_BFF_PATHS.map((prefix) => `${prefix}*`));
  });

  it("serves the demo's build folder, with index.html for any other path (a single-page app)", () => {
    expect(assetsTable()).toMatchObject({
      directory: '"./demo/dist"',
      not_found_handling: '"single-page-application"',
    });
    expect(wranglerToml).toMatch(/^\[build\]\ncommand = "node scripts\/build-demo.mjs"$/m);
  });

  it("leaves the app's paths alone: the Worker has no page, a request that reaches it is JSON 404", async () => {
    for (const path of ["/", "/demo.js", "/style.css", "/@alice/123"]) {
      await expectError(await bff(path), 404, "not_found");
    }
  });
});

describe("the demo page", () => {
  const csp = /^\s+Content-Security-Policy: (.+)$/m.exec(headersFile)?.[1] ?? "";

  it("has a strict CSP of its own that forbids framing", () => {
    expect(/^\/\*$/m.test(headersFile)).toBe(true);
    const directives = csp.split(";").map((d) => d.trim());
    for (const directive of [
      "default-src 'none'",
      "script-src 'self'",
      "style-src 'self'",
      "connect-src 'self'",
      "frame-ancestors 'none'",
      "base-uri 'none'",
    ]) {
      expect(directives).toContain(directive);
    }
    expect(csp).not.toContain("unsafe");
    expect(headersFile).toMatch(/^\s+X-Content-Type-Options: nosniff$/m);
  });

  it("has no inline script or style, which the CSP would block, and absolute asset paths", () => {
    expect(html).toMatch(/<script src="\/demo\.js" defer><\/script>/);
    expect(html.match(/<script/g)).toHaveLength(1);
    expect(html).toMatch(/<link rel="stylesheet" href="\/style\.css">/);
    expect(html).not.toMatch(/<style|\sstyle=|\son[a-z]+=/i);
  });
});
