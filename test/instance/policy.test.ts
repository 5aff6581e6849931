import { describe, expect, it } from "vitest";
import { BffError } from "../../src/errors.ts";
import {
  assertInstanceAllowed,
  exclusionCheck,
  hostMatches,
  parseHostList,
} from "../../src/instance/policy.ts";

function patternsOf(raw: string) {
  const { patterns, problems } = parseHostList(raw);
  expect(problems).toEqual([]);
  return patterns;
}

function refusalOf(fn: () => void): { code: string; status: number } | undefined {
  try {
    fn();
  } catch (error) {
    if (error instanceof BffError) return { code: error.code, status: error.status };
    throw error;
  }
  return undefined;
}

describe("parseHostList", () => {
  it("reads comma- and whitespace-separated entries, normalized like parseInstance", () => {
    expect(
      parseHostList(" Mastodon.Social,  *.Example.ORG\n bücher.example.org. https://fosstodon.org/"),
    ).toEqual({
      patterns: [
        { kind: "exact", value: "mastodon.social" },
        { kind: "suffix", value: "example.org" },
        { kind: "exact", value: "xn--bcher-kva.example.org" },
        { kind: "exact", value: "fosstodon.org" },
      ],
      problems: [],
    });
  });

  it("treats a missing or blank list as empty", () => {
    expect(parseHostList(undefined)).toEqual({ patterns: [], problems: [] });
    expect(parseHostList(" , ,")).toEqual({ patterns: [], problems: [] });
  });

  it("allows a wildcard over a whole top-level domain", () => {
    expect(patternsOf("*.social")).toEqual([{ kind: "suffix", value: "social" }]);
  });

  it("reports every invalid entry and keeps the valid ones", () => {
    const { patterns, problems } = parseHostList(
      "127.0.0.1, good.example.net, *.local, a..b, *.*.org, evil.com:8080",
    );
    expect(patterns).toEqual([{ kind: "exact", value: "good.example.net" }]);
    expect(problems).toHaveLength(5);
    expect(problems[0]).toContain('"127.0.0.1"');
  });
});

describe("hostMatches", () => {
  const patterns = patternsOf("mastodon.social, *.example.org");

  it("matches an exact entry", () => {
    expect(hostMatches("mastodon.social", patterns)).toBe(true);
    expect(hostMatches("eu.mastodon.social", patterns)).toBe(false);
  });

  it("matches any subdomain of a suffix entry", () => {
    expect(hostMatches("a.example.org", patterns)).toBe(true);
    expect(hostMatches("a.b.example.org", patterns)).toBe(true);
  });

  it("does not match the bare domain of a suffix entry", () => {
    expect(hostMatches("example.org", patterns)).toBe(false);
  });

  it("does not match a look-alike that only ends with the same letters", () => {
    expect(hostMatches("evilexample.org", patterns)).toBe(false);
    expect(hostMatches("mastodon.social.evil.net", patterns)).toBe(false);
  });
});

describe("assertInstanceAllowed", () => {
  const none = { allow: [], deny: [] };

  it("allows everything when no list is set", () => {
    expect(refusalOf(() => assertInstanceAllowed("mastodon.social", none))).toBeUndefined();
  });

  it("refuses a host missing from the allowlist with 403 instance_not_allowed", () => {
    const lists = { allow: patternsOf("*.example.org"), deny: [] };
    expect(refusalOf(() => assertInstanceAllowed("a.example.org", lists))).toBeUndefined();
    expect(refusalOf(() => assertInstanceAllowed("mastodon.social", lists))).toEqual({
      code: "instance_not_allowed",
      status: 403,
    });
  });

  it("refuses a denylisted host", () => {
    const lists = { allow: [], deny: patternsOf("*.spam.example.net") };
    expect(refusalOf(() => assertInstanceAllowed("x.spam.example.net", lists))?.code).toBe(
      "instance_not_allowed",
    );
    expect(refusalOf(() => assertInstanceAllowed("spam.example.net", lists))).toBeUndefined();
  });

  it("lets the denylist win over the allowlist", () => {
    const lists = { allow: patternsOf("*.example.org"), deny: patternsOf("bad.example.org") };
    expect(refusalOf(() => assertInstanceAllowed("good.example.org", lists))).toBeUndefined();
    expect(refusalOf(() => assertInstanceAllowed("bad.example.org", lists))?.code).toBe(
      "instance_not_allowed",
    );
  });

  it("names the host in the message", () => {
    const lists = { allow: patternsOf("a.example.org"), deny: [] };
    expect(() => assertInstanceAllowed("b.example.org", lists)).toThrow("b.example.org");
  });
});

describe("exclusionCheck (the lists applied to existing sessions)", () => {
  it("agrees with assertInstanceAllowed on every host, asked once or many times", () => {
    const lists = {
      allow: patternsOf("*.example.org, solo.example.net"),
      deny: patternsOf("bad.example.org"),
    };
    const excluded = exclusionCheck(lists);
    const hosts = ["a.example.org", "bad.example.org", "solo.example.net", "example.org", "x.example.net"];
    for (let round = 0; round < 2; round++) {
      for (const host of hosts) {
        const refused = refusalOf(() => assertInstanceAllowed(host, lists)) !== undefined;
        expect(excluded(host), host).toBe(refused);
      }
    }
  });

  it("excludes nothing without lists", () => {
    const excluded = exclusionCheck({ allow: [], deny: [] });
    expect(excluded("anything.example")).toBe(false);
  });
});
