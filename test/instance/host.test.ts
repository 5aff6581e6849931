import { describe, expect, it } from "vitest";
import { BffError } from "../../src/errors.ts";
import { checkUpstreamUrl, type HostPolicy, isSameOrigin, parseInstance } from "../../src/instance/host.ts";

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

  it("quotes the input in the message, escaped and truncated", () => {
    expect(refusal("127.0.0.1").message).toBe(
      'instance "127.0.0.1" is not accepted: IP addresses are not allowed; give the server\'s domain name',
    );
    expect(refusal("a\r\nb").message).toContain('"a\\r\\nb"');
    expect(refusal("\u202eevil").message).toContain("\\u202e");
    expect(refusal(`${"a".repeat(300)}.com`).message).toContain(`"${"a".repeat(80)}\\u2026"`);
  });
});

describe("parseInstance: insecure dev hosts (ruling 13)", () => {
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
