/// <reference types="vite/client" />
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BffError } from "../../src/errors.ts";
import {
  checkUpstreamUrl,
  type HostPolicy,
  isReservedName,
  isSameOrigin,
  parseInstance,
} from "../../src/instance/host.ts";
import corpusText from "../corpus/hostile-hosts.txt?raw";

const PUBLIC: HostPolicy = { insecureHosts: new Set() };
const DEV: HostPolicy = { insecureHosts: new Set(["127.0.0.1:3999", "localhost:3000"]) };

/** The BffError that `fn` throws (fails the test if it returns or throws anything else). */
function errorOf(fn: () => unknown): BffError {
  try {
    fn();
  } catch (error) {
    if (error instanceof BffError) return error;
    throw error;
  }
  throw new Error("expected a BffError, but the call returned");
}

function refusal(
  input: string,
  policy: HostPolicy = PUBLIC,
): { code: string; status: number; message: string } {
  const { code, status, message } = errorOf(() => parseInstance(input, policy));
  return { code, status, message };
}

describe("parseInstance: accepted forms", () => {
  it.each([
    ["mastodon.social", "mastodon.social"],
    [" Mastodon.Social ", "mastodon.social"],
    ["https://mastodon.social", "mastodon.social"],
    ["https://mastodon.social/", "mastodon.social"],
    ["HTTPS://MASTODON.SOCIAL/", "mastodon.social"],
    ["mastodon.social.", "mastodon.social"],
    ["bücher.example.org", "xn--bcher-kva.example.org"],
    ["xn--bcher-kva.example.org", "xn--bcher-kva.example.org"],
    ["fosstodon.org", "fosstodon.org"],
    ["social.coop", "social.coop"],
    ["a-b.c-d.social", "a-b.c-d.social"],
    ["例え.テスト.jp", "xn--r8jz45g.xn--zckzah.jp"],
    ["mastodon.xn--p1ai", "mastodon.xn--p1ai"],
  ])("accepts %j as %s", (input, host) => {
    const result = parseInstance(input, PUBLIC);
    expect(result).toEqual({ host, origin: `https://${host}` });
    expect(parseInstance(result.host, PUBLIC).host).toBe(result.host);
  });

  it("accepts a 253-character name made of 63-character labels", () => {
    const host = `${"a".repeat(63)}.${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(61)}`;
    expect(host).toHaveLength(253);
    expect(parseInstance(host, PUBLIC).host).toBe(host);
  });
});

describe("parseInstance: refusals", () => {
  it.each([
    ["empty", ""],
    ["only spaces", "   "],
    ["a name over 253 characters", `${"a.".repeat(126)}com`],
    ["a label over 63 characters", `${"a".repeat(64)}.com`],
    ["dotted IPv4", "127.0.0.1"],
    ["decimal IPv4", "2130706433"],
    ["octal IPv4", "0177.0.0.1"],
    ["hex IPv4", "0x7f.1"],
    ["short IPv4", "127.1"],
    ["IPv4 with a trailing dot", "169.254.169.254."],
    ["fullwidth IPv4", "１２７．０．０．１"],
    ["IPv6 loopback", "[::1]"],
    ["IPv4-mapped IPv6", "[::ffff:127.0.0.1]"],
    ["IPv6 with a zone id", "[fe80::1%25eth0]"],
    ["bare IPv6", "::1"],
    ["the default port", "mastodon.social:443"],
    ["another port", "mastodon.social:8443"],
    ["user info", "user@mastodon.social"],
    ["user info hiding the real host", "mastodon.social@evil.example.net"],
    ["a path", "mastodon.social/about"],
    ["two trailing slashes", "https://mastodon.social//"],
    ["a query", "mastodon.social?x=1"],
    ["a fragment", "mastodon.social#x"],
    ["plain http", "http://mastodon.social"],
    ["another scheme", "ftp://mastodon.social"],
    ["javascript:", "javascript:alert(1)"],
    ["a scheme-relative URL", "//mastodon.social"],
    ["inner whitespace", "mastodon .social"],
    ["CR LF", "mastodon.social\r\nx"],
    ["a TAB", "mastodon\t.social"],
    ["NUL", "mastodon.social\u0000"],
    ["a zero-width space", "masto\u200bdon.social"],
    ["percent-encoding", "mastodon%2esocial"],
    ["a backslash", "https:\\\\mastodon.social"],
    ["localhost", "localhost"],
    ["a .localhost name", "app.localhost"],
    ["a single label", "intranet"],
    ["a .local name", "printer.local"],
    ["a .internal name", "metadata.google.internal"],
    ["a .home.arpa name", "router.home.arpa"],
    ["a reverse-DNS name", "1.0.0.127.in-addr.arpa"],
    ["an .onion name", "abcdefghijklmnop.onion"],
    ["a .test name", "mastodon.test"],
    ["an .example name", "mastodon.example"],
    ["a .corp name", "mail.corp"],
    ["a wildcard-DNS loopback name", "127.0.0.1.nip.io"],
    ["an underscore", "mast_odon.social"],
    ["a leading hyphen", "-mastodon.social"],
    ["a trailing hyphen", "mastodon-.social"],
    ["an empty label", "mastodon..social"],
    ["two trailing dots", "mastodon.social.."],
    ["a leading dot", ".mastodon.social"],
    ["an all-numeric TLD", "mastodon.123"],
    ["undecodable punycode", "xn--a.social"],
    ["empty punycode", "xn--.social"],
    ["a punycode TLD that does not decode", "mastodon.xn--zz"],
  ])("refuses %s", (_, input) => {
    const { code, status, message } = refusal(input);
    expect({ code, status }).toEqual({ code: "invalid_instance", status: 400 });
    expect(message).toMatch(/^instance ".*" is not accepted: /);
  });

  it("names the setting that allows a local test server, for a port or plain http", () => {
    const hint = "(a development server: name it in ALLOW_INSECURE_INSTANCES, with ENVIRONMENT=development)";
    expect(refusal("example.org:8080").message).toBe(
      `instance "example.org:8080" is not accepted: a port is not allowed; give the domain name only ${hint}`,
    );
    expect(refusal("http://example.org").message).toContain(`only https:// is allowed ${hint}`);
  });

  it("quotes the input in the message, escaped and truncated", () => {
    expect(refusal("127.0.0.1").message).toBe(
      'instance "127.0.0.1" is not accepted: IP addresses are not allowed; give the server\'s domain name',
    );
    expect(refusal("a\r\nb").message).toContain('"a\\r\\nb"');
    expect(refusal("\u202eevil").message).toContain("\\u202e");
    expect(refusal(`${"a".repeat(300)}.com`).message).toContain(`"${"a".repeat(80)}\\u2026"`);
  });
});

describe("parseInstance: insecure dev hosts (ALLOW_INSECURE_INSTANCES)", () => {
  it("accepts a listed host:port over http", () => {
    expect(parseInstance("127.0.0.1:3999", DEV)).toEqual({
      host: "127.0.0.1:3999",
      origin: "http://127.0.0.1:3999",
    });
    expect(parseInstance("http://127.0.0.1:3999/", DEV)).toEqual({
      host: "127.0.0.1:3999",
      origin: "http://127.0.0.1:3999",
    });
    expect(parseInstance("LOCALHOST:3000", DEV).origin).toBe("http://localhost:3000");
  });

  it("keeps https when the input asks for it", () => {
    expect(parseInstance("https://localhost:3000", DEV).origin).toBe("https://localhost:3000");
  });

  it("refuses an unlisted port or host on loopback", () => {
    expect(refusal("127.0.0.1:4000", DEV).code).toBe("invalid_instance");
    expect(refusal("127.0.0.1", DEV).code).toBe("invalid_instance");
    expect(refusal("localhost", DEV).code).toBe("invalid_instance");
    expect(refusal("[::1]:3999", DEV).code).toBe("invalid_instance");
  });

  it("relaxes nothing for public hosts", () => {
    expect(refusal("http://mastodon.social", DEV).code).toBe("invalid_instance");
  });

  it("round-trips an insecure host", () => {
    const { host } = parseInstance("http://127.0.0.1:3999", DEV);
    expect(parseInstance(host, DEV).host).toBe(host);
  });
});

describe("checkUpstreamUrl", () => {
  it("returns the parsed URL for https on a public host", () => {
    const url = checkUpstreamUrl("https://files.mastodon.social/a/b.png?x=1", PUBLIC);
    expect(url.href).toBe("https://files.mastodon.social/a/b.png?x=1");
  });

  it("accepts the schemes the caller lists", () => {
    const url = checkUpstreamUrl("wss://streaming.mastodon.social", PUBLIC, { schemes: ["wss:"] });
    expect(url.protocol).toBe("wss:");
  });

  it.each([
    ["a relative URL", "/api/v1/instance"],
    ["plain http", "http://mastodon.social/"],
    ["a non-listed scheme", "wss://mastodon.social/"],
    ["user info", "https://user:pass@mastodon.social/"],
    ["a fragment", "https://mastodon.social/#x"],
    ["an empty fragment", "https://mastodon.social/#"],
    ["loopback", "https://127.0.0.1/"],
    ["a decimal IP", "https://2130706433/"],
    ["IPv6", "https://[::1]/"],
    ["a cloud metadata address", "https://169.254.169.254/latest/meta-data"],
    ["an internal name", "https://metadata.google.internal/"],
    ["a port", "https://mastodon.social:8443/"],
    ["a trailing dot (another origin for the same host)", "https://mastodon.social./"],
    ["a newline (silently dropped by URL parsing)", "https://mastodon.soc\nial/"],
    ["a backslash", "https:\\\\127.0.0.1/"],
    ["javascript:", "javascript:alert(1)"],
    ["data:", "data:text/html,hi"],
  ])("refuses %s", (_, url) => {
    const error = errorOf(() => checkUpstreamUrl(url, PUBLIC));
    expect({ code: error.code, status: error.status }).toEqual({
      code: "invalid_upstream_response",
      status: 502,
    });
  });

  it("keeps the query out of the message, where a code or token may sit", () => {
    const error = errorOf(() => checkUpstreamUrl("https://10.0.0.1/cb?code=secret", PUBLIC));
    expect(error.message).toContain('"https://10.0.0.1/cb"');
    expect(error.message).not.toContain("secret");
  });

  it("uses the caller's error code", () => {
    expect(
      errorOf(() => checkUpstreamUrl("https://10.0.0.1/", PUBLIC, { code: "invalid_account" })).code,
    ).toBe("invalid_account");
  });

  it("accepts the default port, which URL parsing drops", () => {
    expect(checkUpstreamUrl("https://mastodon.social:443/x", PUBLIC).host).toBe("mastodon.social");
  });

  it("allows http and ws only for insecure-allowed hosts", () => {
    expect(checkUpstreamUrl("http://127.0.0.1:3999/x", DEV).href).toBe("http://127.0.0.1:3999/x");
    expect(checkUpstreamUrl("ws://localhost:3000/s", DEV, { schemes: ["wss:"] }).protocol).toBe("ws:");
    expect(errorOf(() => checkUpstreamUrl("http://127.0.0.1:4000/x", DEV)).code).toBe(
      "invalid_upstream_response",
    );
    expect(errorOf(() => checkUpstreamUrl("ws://localhost:3000/s", DEV)).code).toBe(
      "invalid_upstream_response",
    );
  });
});

describe("isSameOrigin", () => {
  it("compares scheme, host and port", () => {
    expect(isSameOrigin(new URL("https://mastodon.social/x"), "https://mastodon.social")).toBe(true);
    expect(isSameOrigin(new URL("https://mastodon.social:443/x"), "https://mastodon.social")).toBe(true);
    expect(isSameOrigin(new URL("http://mastodon.social/x"), "https://mastodon.social")).toBe(false);
    expect(isSameOrigin(new URL("https://mastodon.social:8443/"), "https://mastodon.social")).toBe(false);
    expect(isSameOrigin(new URL("https://evil.mastodon.social/"), "https://mastodon.social")).toBe(false);
    expect(isSameOrigin(new URL("https://mastodon.social.evil.net/"), "https://mastodon.social")).toBe(false);
  });

  it("never matches an opaque origin", () => {
    expect(isSameOrigin(new URL("data:text/plain,x"), "null")).toBe(false);
    expect(isSameOrigin(new URL("https://mastodon.social/"), "not a url")).toBe(false);
  });
});

/** Corpus entries that look odd but map to a harmless public name; everything else must be refused. */
const SAFE_NORMALIZATIONS: Record<string, string> = {
  "ｍａｓｔｏｄｏｎ．ｓｏｃｉａｌ": "mastodon.social",
  "mastodon。social": "mastodon.social",
  "MASTODON.SOCIAL.": "mastodon.social",
  "ⓜⓐⓢⓣⓞⓓⓞⓝ.social": "mastodon.social",
};

function readCorpus(text: string): string[] {
  const lines = text.split("\n").filter((line) => line.trim() !== "" && !line.startsWith("#"));
  return lines.map((line) => {
    const value: unknown = JSON.parse(line);
    if (typeof value !== "string") throw new Error(`corpus line is not a JSON string: ${line}`);
    return value;
  });
}

/** The error code parseInstance throws for `input`, or the host it accepted. */
function outcome(input: string): string {
  try {
    return `accepted as ${parseInstance(input, PUBLIC).host}`;
  } catch (error) {
    return error instanceof BffError ? error.code : `threw ${String(error)}`;
  }
}

describe("hostile-hosts corpus", () => {
  const corpus = readCorpus(corpusText);

  it("holds at least 300 unique entries, including every safe normalization", () => {
    expect(corpus.length).toBeGreaterThanOrEqual(300);
    expect(new Set(corpus).size).toBe(corpus.length);
    for (const input of Object.keys(SAFE_NORMALIZATIONS)) expect(corpus).toContain(input);
  });

  it("refuses every hostile entry with invalid_instance", () => {
    const notRefused = corpus
      .filter((input) => SAFE_NORMALIZATIONS[input] === undefined)
      .map((input) => [input, outcome(input)])
      .filter(([, result]) => result !== "invalid_instance");
    expect(notRefused).toEqual([]);
  });

  it.each(Object.entries(SAFE_NORMALIZATIONS))("normalizes %j to exactly %s", (input, host) => {
    expect(parseInstance(input, PUBLIC)).toEqual({ host, origin: `https://${host}` });
  });
});

// Properties: whatever the input, the result is a refusal or a canonical public host.
const NUMERIC_LAST_LABEL = /(^|\.)(\d+|0x[0-9a-f]*)$/;

function expectRefusedOrCanonical(input: string, policy: HostPolicy = PUBLIC): void {
  let result: ReturnType<typeof parseInstance>;
  try {
    result = parseInstance(input, policy);
  } catch (error) {
    expect(error).toBeInstanceOf(BffError);
    expect((error as BffError).code).toBe("invalid_instance");
    return;
  }
  if (policy.insecureHosts.has(result.host)) return;
  const { host } = result;
  expect(host).toMatch(/^[a-z0-9-]+(\.[a-z0-9-]+)+$/);
  expect(host.length).toBeLessThanOrEqual(253);
  expect(host).not.toMatch(NUMERIC_LAST_LABEL);
  expect(isReservedName(host)).toBe(false);
  expect(result.origin).toBe(`https://${host}`);
  expect(parseInstance(host, policy).host).toBe(host);
}

const PIECES = [
  ".",
  "..",
  "0",
  "1",
  "127",
  "0x7f",
  "ü",
  "ｍ",
  "．",
  "。",
  "\u200b",
  "\u00ad",
  "\u202e",
  "\u0000",
  "\r\n",
  "\t",
  "\u007f",
  "@",
  ":",
  ":443",
  "/",
  "//",
  "%",
  "%2e",
  " ",
  "\\",
  "[",
  "]",
  "?",
  "#",
  "xn--",
  "-",
  "_",
  "*",
  "localhost",
  "https://",
  "http://",
  "\ud800",
  "Ⅻ",
  "ß",
  "ς",
  "İ",
  "①",
  "𝟏",
];

/** A valid hostname with a few pieces inserted at arbitrary positions. */
const mutatedHostname = fc
  .tuple(
    fc.domain(),
    fc.array(fc.tuple(fc.nat(), fc.constantFrom(...PIECES)), { minLength: 1, maxLength: 4 }),
  )
  .map(([domain, edits]) =>
    edits.reduce((text, [at, piece]) => {
      const i = at % (text.length + 1);
      return text.slice(0, i) + piece + text.slice(i);
    }, domain),
  );

const anyString = fc.oneof(fc.string(), fc.string({ unit: "binary" }), fc.string({ unit: "binary-ascii" }));

describe("parseInstance properties", () => {
  it("refuses or returns a canonical public host for arbitrary strings", () => {
    fc.assert(
      fc.property(anyString, (input) => expectRefusedOrCanonical(input)),
      { numRuns: 2000 },
    );
  });

  it("refuses or returns a canonical public host for mutated hostnames", () => {
    fc.assert(
      fc.property(mutatedHostname, (input) => expectRefusedOrCanonical(input)),
      { numRuns: 3000 },
    );
  });

  it("accepts valid hostnames unchanged unless they are reserved or invalid punycode", () => {
    fc.assert(
      fc.property(fc.domain(), (domain) => {
        // The reserved names come from the source: a copy here once lacked .alt and failed at random.
        fc.pre(!isReservedName(domain) && !/(^|\.)xn--/.test(domain) && !/\.[a-z]$/.test(domain));
        expect(parseInstance(domain, PUBLIC).host).toBe(domain);
      }),
      { numRuns: 1000 },
    );
  });

  it("relaxes only the listed dev entries", () => {
    const mutatedDev = fc
      .tuple(
        fc.constantFrom("127.0.0.1:3999", "localhost:3000", "http://127.0.0.1:3999/"),
        fc.nat(),
        fc.constantFrom(...PIECES),
      )
      .map(
        ([host, at, piece]) =>
          host.slice(0, at % (host.length + 1)) + piece + host.slice(at % (host.length + 1)),
      );
    fc.assert(
      fc.property(mutatedDev, (input) => expectRefusedOrCanonical(input, DEV)),
      { numRuns: 1000 },
    );
  });
});

const hostLike = fc.oneof(
  fc.domain(),
  mutatedHostname,
  fc.ipV4(),
  fc.ipV4Extended(),
  fc.ipV6().map((ip) => `[${ip}]`),
  fc.constantFrom(
    "mastodon.social.",
    "Mastodon.Social",
    "bücher.example.org",
    "localhost",
    "127.0.0.1.nip.io",
    "metadata.google.internal",
    "2130706433",
    "0x7f.1",
  ),
);

const urlLike = fc.oneof(
  fc.webUrl({
    validSchemes: ["https", "http", "wss", "ftp"],
    withQueryParameters: true,
    withFragments: true,
  }),
  fc
    .tuple(
      fc.constantFrom("https://", "http://", "https:", "//", "", "HTTPS://", "https:\\\\", "wss://"),
      fc.constantFrom("", "user@", "a:b@"),
      hostLike,
      fc.constantFrom("", ":443", ":8443", ":0"),
      fc.constantFrom("", "/", "/api/v1/instance", "?x=1", "#f", "/%2e%2e/"),
    )
    .map((parts) => parts.join("")),
  anyString,
);

describe("checkUpstreamUrl properties", () => {
  it("refuses or returns an https URL whose host passes parseInstance", () => {
    fc.assert(
      fc.property(urlLike, (raw) => {
        let url: URL;
        try {
          url = checkUpstreamUrl(raw, PUBLIC);
        } catch (error) {
          expect(error).toBeInstanceOf(BffError);
          expect((error as BffError).code).toBe("invalid_upstream_response");
          return;
        }
        expect(url.protocol).toBe("https:");
        expect(url.username + url.password + url.hash).toBe("");
        expect(parseInstance(url.host, PUBLIC).host).toBe(url.host);
      }),
      { numRuns: 3000 },
    );
  });
});
