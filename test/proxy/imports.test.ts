/**
 * The proxy is the hot path and stays self-contained: no file under src/proxy/ may reach the
 * storage (registry/, the Durable Object), the app's full deps, the login flow or the public proxy,
 * not even for a type. Imports are read from the source text, so a type-only import counts too.
 */
import { describe, expect, it } from "vitest";

const sources = import.meta.glob<string>("../../src/proxy/*.ts", {
  query: "?raw",
  import: "default",
  eager: true,
});

/** Where imports must not point (a specifier, relative to src/proxy/). */
const FORBIDDEN: readonly RegExp[] = [
  /(?:^|\/)registry\//,
  /(?:^|\/)app\/deps(?:\.ts)?$/,
  /(?:^|\/)auth\//,
  /(?:^|\/)public\//,
];

/** Every module specifier in a source: static and type imports, re-exports, `import("…")`. */
function specifiers(source: string): { specifier: string; clause: string }[] {
  const found: { specifier: string; clause: string }[] = [];
  for (const m of source.matchAll(/\b(?:import|export)\s*([^;"'`]*?)\s*from\s*["']([^"']+)["']/g)) {
    found.push({ clause: m[1] ?? "", specifier: m[2] ?? "" });
  }
  for (const m of source.matchAll(/\bimport\s*\(\s*["']([^"']+)["']\s*\)/g)) {
    found.push({ clause: "", specifier: m[1] ?? "" });
  }
  return found;
}

/** The rule broken by one import, or null. */
function violation(imported: { specifier: string; clause: string }): string | null {
  const { specifier, clause } = imported;
  if (FORBIDDEN.some((rule) => rule.test(specifier))) return specifier;
  if (specifier === "cloudflare:workers" && /\bDurableObject\b/.test(clause)) return "DurableObject";
  return null;
}

describe("the proxy's imports", () => {
  it("finds the proxy's sources", () => {
    expect(Object.keys(sources)).toContain("../../src/proxy/proxy.ts");
    expect(Object.keys(sources)).toContain("../../src/proxy/entry.ts");
  });

  it("reaches neither storage nor the app's full deps, the login flow or the public proxy", () => {
    const broken: string[] = [];
    for (const [file, source] of Object.entries(sources)) {
      for (const imported of specifiers(source)) {
        const rule = violation(imported);
        if (rule !== null) broken.push(`${file}: ${rule}`);
      }
    }
    expect(broken).toEqual([]);
  });

  it("recognizes each forbidden import, type-only ones included", () => {
    const samples = [
      'import type { Deps } from "../app/deps.ts";',
      'import { appTokenFor } from "../registry/app-token.ts";',
      'import { login } from "../auth/login.ts";',
      'export { publicProxy } from "../public/route.ts";',
      'import { DurableObject } from "cloudflare:workers";',
      'type R = import("../registry/rpc.ts").RegistrarRpc;',
    ];
    for (const sample of samples) {
      expect(specifiers(sample).map(violation), sample).not.toEqual([null]);
      expect(specifiers(sample)).toHaveLength(1);
    }
    expect(specifiers('import { env } from "cloudflare:workers";').map(violation)).toEqual([null]);
  });
});
