/// <reference types="vite/client" />
import fc from "fast-check";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { isBffError } from "../../src/errors.ts";
import { isProxyablePath, parseProxyTarget } from "../../src/proxy/path.ts";
import corpusText from "../corpus/hostile-paths.txt?raw";
import { BFF, bff, type CookieJar, fullLogin } from "../helpers/bff.ts";
import { fakeState, uniqueHost } from "../helpers/fake.ts";
import { figure, parseCorpus, recordOutbound } from "./support.ts";

const PREFIXES = ["/api/v1/", "/api/v2/"];
const corpus = parseCorpus(corpusText);

function codeOf(rawTarget: string): string {
  try {
    parseProxyTarget(`${BFF}${rawTarget}`, PREFIXES);
    return "forwarded";
  } catch (error) {
    return isBffError(error) ? error.code : `unexpected ${String(error)}`;
  }
}

let host: string;
let jar: CookieJar;
beforeAll(async () => {
  host = uniqueHost("mastodon");
  ({ jar } = await fullLogin(host));
});

let outbound: ReturnType<typeof recordOutbound> | undefined;
afterEach(() => outbound?.stop());

/**
 * An API call with the session and X-CSRF, the target appended to the BFF origin as it is (an
 * absolute URL, so `//host/…` stays a path). The cookie goes as a header: no answer changes the jar.
 */
function apiCall(target: string): Promise<Response> {
  return bff(`${BFF}${target}`, { headers: { cookie: jar.header(), "x-csrf": "1" } });
}

describe("proxied path corpus", () => {
  it("has at least 100 entries", () => {
    expect(corpus.length).toBeGreaterThanOrEqual(100);
  });

  it("refuses every raw target with invalid_path (parseProxyTarget reads the raw request URL)", () => {
    const escapes = corpus
      .map((e) => [e.value, codeOf(e.value)])
      .filter(([, code]) => code !== "invalid_path");
    expect(escapes).toEqual([]);
    expect(codeOf(`/api/v1/${"a".repeat(2100)}`)).toBe("invalid_path");
  });

  it("never lets a corpus target reach anything but a canonical API path on the account's instance", async () => {
    outbound = recordOutbound();
    const before = (await fakeState(host)).requests.length;
    const outcomes = new Map<string, number>();
    const escapes: string[] = [];
    for (const { value } of corpus) {
      const sent = outbound.urls().length;
      let res: Response;
      try {
        res = await apiCall(value);
      } catch {
        outcomes.set(
          "not expressible as a Request URL",
          (outcomes.get("not expressible as a Request URL") ?? 0) + 1,
        );
        continue;
      }
      const body = res.headers.get("content-type")?.includes("json") ? await res.clone().text() : "";
      const code = /"error":"([a-z_]+)"/.exec(body)?.[1] ?? "";
      const fresh = outbound.urls().slice(sent);
      const refused =
        (res.status === 400 && code === "invalid_path") || (res.status === 404 && code === "not_found");
      const key = refused
        ? `${res.status} ${code}`
        : fresh.length > 0
          ? "forwarded after runtime normalization"
          : `${res.status} ${code}`;
      outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
      if (refused && fresh.length > 0) escapes.push(`${JSON.stringify(value)} refused but fetched ${fresh}`);
      for (const url of fresh) {
        const target = new URL(url);
        if (target.origin !== `https://${host}` || !isProxyablePath(target.pathname, PREFIXES))
          escapes.push(`${JSON.stringify(value)} → ${url}`);
      }
      if (!refused && fresh.length === 0) escapes.push(`${JSON.stringify(value)} → ${res.status} ${code}`);
      await res.body?.cancel();
    }
    expect(escapes).toEqual([]);
    // Whatever the runtime made of them, the instance saw only plain API paths.
    const seen = (await fakeState(host)).requests.slice(before);
    expect(seen.filter((r) => !isProxyablePath(r.path, PREFIXES))).toEqual([]);
    const summary = [...outcomes].map(([k, n]) => `${n} ${k}`).join(", ");
    figure(
      `paths: ${corpus.length} raw targets → invalid_path (unit); through the runtime: ${summary}; escapes 0`,
    );
  });
});

describe("path normalization properties (fast-check)", () => {
  const piece = fc.constantFrom(
    "/",
    "//",
    ".",
    "..",
    "%2e",
    "%2E",
    "%2f",
    "%2F",
    "%5c",
    "%25",
    "%00",
    "%0a",
    "%c0%ae",
    "%41",
    "\\",
    ";",
    "?",
    "#",
    " ",
    "api",
    "v1",
    "v2",
    "accounts",
    "oauth",
    "token",
    "é",
    "~",
    "@",
    ":",
  );
  const target = fc
    .tuple(fc.constantFrom("/api/v1/", "/api/v2/", "/api/", "/", ""), fc.array(piece, { maxLength: 10 }))
    .map(([start, parts]) => start + parts.join(""));
  const arbitraryTarget = fc.oneof(
    target,
    fc.webPath(),
    fc.string({ unit: "binary", maxLength: 40 }).map((s) => `/api/v1/${s}`),
  );

  it("forwards only paths that every URL parser leaves unchanged, under a prefix, with no hidden dot segment", () => {
    fc.assert(
      fc.property(arbitraryTarget, (raw) => {
        const code = codeOf(raw);
        if (code !== "forwarded") return code === "invalid_path";
        const { path } = parseProxyTarget(`${BFF}${raw}`, PREFIXES);
        const upstream = new URL(`https://${"mastodon.example"}${path}`);
        // Byte by byte, not as UTF-8: an overlong `%c0%ae` stays two bytes, never a dot.
        const decoded = path.replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) =>
          String.fromCharCode(Number.parseInt(hex, 16)),
        );
        return (
          upstream.origin === "https://mastodon.example" &&
          upstream.pathname === path &&
          PREFIXES.some((p) => path.startsWith(p)) &&
          !/(^|\/)\.\.?(\/|$)/.test(decoded) &&
          !decoded.includes("//") &&
          !decoded.includes("\\") &&
          decoded.split("/").length === path.split("/").length
        );
      }),
      { numRuns: 20_000 },
    );
  });

  it("is idempotent: a forwarded path, sent again, is forwarded unchanged", () => {
    fc.assert(
      fc.property(arbitraryTarget, (raw) => {
        if (codeOf(raw) !== "forwarded") return true;
        const { path } = parseProxyTarget(`${BFF}${raw}`, PREFIXES);
        return parseProxyTarget(`${BFF}${path}`, PREFIXES).path === path;
      }),
      { numRuns: 10_000 },
    );
    figure("paths: fast-check 20,000 + 10,000 runs, counterexamples 0");
  });
});
