/// <reference types="vite/client" />
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import type { Deps } from "../../src/app/deps.ts";
import { MAX_RETURN_TO_LENGTH } from "../../src/auth/login/transaction.ts";
import { parseReturnTo } from "../../src/auth/return-to.ts";
import { BffError } from "../../src/errors.ts";
import corpusText from "../corpus/hostile-return-to.txt?raw";
import { BFF, bff, CookieJar, expectError } from "../helpers/bff.ts";
import { approve, uniqueHost } from "../helpers/fake.ts";
import { figure, parseCorpus, recordOutbound } from "./support.ts";

const FRONTEND = "https://app.example.com";
const corpus = parseCorpus(corpusText);
const accepted = corpus.filter((e) => e.group.startsWith("Accepted:"));
const refused = corpus.filter((e) => !e.group.startsWith("Accepted:"));

function depsWith(frontendOrigins: string[]): Deps {
  return { publicOrigin: BFF, config: { frontendOrigins: new Set(frontendOrigins) } } as unknown as Deps;
}
const PLAIN = depsWith([]);
const WITH_FRONTEND = depsWith([FRONTEND]);

/** The result, or "refused" for invalid_return_to (anything else fails the test). */
function outcome(raw: string, deps: Deps): string {
  try {
    return parseReturnTo(raw, deps);
  } catch (error) {
    if (error instanceof BffError && error.code === "invalid_return_to") return "refused";
    throw error;
  }
}

/** Where a browser lands when the callback answers `Location: value`. */
function landing(value: string): URL {
  return new URL(value, `${BFF}/auth/callback?code=x&state=y`);
}

/** The safety property: refused, or a path on this site (or an allowed frontend URL) that is stable. */
function isSafe(raw: string, deps: Deps): boolean {
  const result = outcome(raw, deps);
  if (result === "refused") return true;
  const target = landing(result);
  const onSite = result.startsWith("/") && !result.startsWith("//") && target.origin === BFF;
  const onFrontend = deps.config.frontendOrigins.has(target.origin) && result === target.href;
  return (onSite || onFrontend) && outcome(result, deps) === result;
}

let outbound: ReturnType<typeof recordOutbound> | undefined;
afterEach(() => outbound?.stop());

describe("return_to corpus", () => {
  it("has at least 100 hostile entries that must be refused", () => {
    expect(refused.length).toBeGreaterThanOrEqual(100);
    expect(accepted.length).toBeGreaterThan(0);
  });

  it("refuses every hostile entry, with and without FRONTEND_ORIGINS", () => {
    const escapes = refused
      .flatMap((e) => [
        [e.value, outcome(e.value, PLAIN)],
        [e.value, outcome(e.value, WITH_FRONTEND)],
      ])
      .filter(([, result]) => result !== "refused");
    expect(escapes).toEqual([]);
  });

  it("keeps every accepted entry on this site", () => {
    const escapes = accepted.filter((e) => !isSafe(e.value, PLAIN) || outcome(e.value, PLAIN) === "refused");
    expect(escapes.map((e) => e.value)).toEqual([]);
  });

  it("answers each refused entry at /auth/login with 400 invalid_return_to and no outbound request", async () => {
    outbound = recordOutbound();
    for (const { value } of refused) {
      for (const env of [{}, { FRONTEND_ORIGINS: FRONTEND }]) {
        const query = new URLSearchParams({ instance: uniqueHost("mastodon"), return_to: value });
        const res = await bff(`/auth/login?${query}`, { env });
        await expectError(res, 400, "invalid_return_to");
      }
    }
    expect(outbound.urls()).toEqual([]);
    figure(
      `return_to: ${refused.length} hostile values × 2 configs → 400 invalid_return_to, escapes 0, outbound 0`,
    );
  });

  it("lands every accepted entry on this site after the whole login flow", async () => {
    const host = uniqueHost("mastodon");
    for (const { value } of accepted) {
      const jar = new CookieJar();
      const query = new URLSearchParams({ instance: host, return_to: value });
      const start = await bff(`/auth/login?${query}`, { jar });
      expect(start.status, JSON.stringify(value)).toBe(302);
      const back = await approve(start.headers.get("location") ?? "");
      const done = await bff(back.pathname + back.search, { jar });
      const location = done.headers.get("location") ?? "";
      expect(done.status).toBe(302);
      expect(location.startsWith("/") && !location.startsWith("//"), location).toBe(true);
      expect(landing(location).origin).toBe(BFF);
      expect(jar.cookies.has("__Host-fedi-bff-session")).toBe(true);
    }
    figure(`return_to: ${accepted.length} odd-but-safe values → full login, landed on this site, escapes 0`);
  });

  it("keeps an error redirect on this site for a dot-segment return_to (auth_error path)", async () => {
    const jar = new CookieJar();
    const query = new URLSearchParams({ instance: uniqueHost("mastodon"), return_to: "/a/../b" });
    const start = await bff(`/auth/login?${query}`, { jar });
    const back = await approve(start.headers.get("location") ?? "", { deny: true });
    const done = await bff(back.pathname + back.search, { jar });
    expect(done.headers.get("location")).toBe("/b?auth_error=access_denied");
  });

  it("refuses a return_to that percent-encoding would grow past the length limit", () => {
    expect(outcome(`/${"ü".repeat(1000)}`, PLAIN)).toBe("refused");
    expect(outcome(`/${"a".repeat(MAX_RETURN_TO_LENGTH)}`, PLAIN)).toBe("refused");
    expect(outcome(`/${"a".repeat(MAX_RETURN_TO_LENGTH - 1)}`, PLAIN)).toBe(
      `/${"a".repeat(MAX_RETURN_TO_LENGTH - 1)}`,
    );
  });
});

describe("return_to properties (fast-check)", () => {
  const piece = fc.constantFrom(
    "/",
    "//",
    "\\",
    ".",
    "..",
    "%2e",
    "%2E",
    "%2f",
    "%5c",
    "@",
    ":",
    "?",
    "#",
    "\t",
    " ",
    "\u3002",
    "\uff0f",
    "\u2215",
    "evil.example.org",
    "app.example.com",
    "bff.example.com",
    "https:",
    "javascript:",
    "a",
  );
  const tricky = fc.array(piece, { maxLength: 12 }).map((parts) => parts.join(""));
  const anything = fc.oneof(tricky, fc.string({ unit: "binary", maxLength: 64 }), fc.webUrl(), fc.webPath());

  it("is refused or stays on this site, and is stable (no frontend origins)", () => {
    fc.assert(
      fc.property(anything, (raw) => isSafe(raw, PLAIN)),
      { numRuns: 20_000 },
    );
  });

  it("is refused, stays on this site, or is a URL on a configured frontend origin", () => {
    const frontendish = fc.oneof(
      tricky.map((t) => `${FRONTEND}${t}`),
      tricky.map((t) => `https://${t}`),
    );
    fc.assert(
      fc.property(fc.oneof(anything, frontendish), (raw) => isSafe(raw, WITH_FRONTEND)),
      { numRuns: 20_000 },
    );
  });

  it("never lets a leading-slash input leave the site, whatever follows", () => {
    fc.assert(
      fc.property(tricky, (rest) => isSafe(`/${rest}`, PLAIN)),
      { numRuns: 20_000 },
    );
    figure("return_to: fast-check 3 properties × 20,000 runs, counterexamples 0");
  });
});
