/**
 * The client address behind the rate limit: CF-Connecting-IP on Cloudflare; on workerd itself
 * (self-hosted) the socket peer workerd reports in `request.cf.clientIp`, or, when that peer is a
 * trusted proxy (TRUSTED_PROXIES), the nearest untrusted hop of X-Forwarded-For. A client must
 * never choose its own bucket: not with CF-Connecting-IP off Cloudflare, nor with X-Forwarded-For
 * past an untrusted peer, nor by prepending hops.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  clientAddress,
  type IpRange,
  inRange,
  parseIp,
  parseIpRange,
  withoutPort,
} from "../../src/http/client-ip.ts";

const ranges = (...texts: string[]): IpRange[] =>
  texts.map((t) => {
    const range = parseIpRange(t);
    if (range === null) throw new Error(`bad range ${t}`);
    return range;
  });

/** A request as workerd hands it over when it serves the socket: `cf.clientIp` is the peer. */
function fromSocket(peer: string | null, headers: Record<string, string> = {}): Request {
  const init: RequestInit = { headers };
  if (peer !== null) init.cf = { clientIp: peer };
  return new Request("https://bff.example.org/auth/login", init);
}

describe("parseIpRange", () => {
  it("reads addresses and CIDR ranges of both families", () => {
    expect(parseIpRange("192.0.2.1")?.bits).toBe(128);
    expect(parseIpRange("192.0.2.0/24")?.bits).toBe(120);
    expect(parseIpRange("0.0.0.0/0")?.bits).toBe(96);
    expect(parseIpRange("2001:db8::/32")?.bits).toBe(32);
    expect(parseIpRange("::1")?.bits).toBe(128);
  });

  it("refuses what is not an address or range", () => {
    for (const bad of [
      "",
      "proxy.example.org",
      "192.0.2.0/33",
      "::/129",
      "192.0.2.0/",
      "192.0.2.0/-1",
      "192.0.2.0/24/1",
      "192.0.2.256",
      "10.0.0.0/8x",
      "[::1]",
    ]) {
      expect(parseIpRange(bad), bad).toBeNull();
    }
  });
});

describe("inRange", () => {
  it("matches by prefix, IPv4 within its own 32 bits", () => {
    const [v4, v6, one] = ranges("10.0.0.0/8", "fd00::/8", "127.0.0.1");
    const ip = (t: string) => parseIp(t) ?? [];
    expect(inRange(ip("10.255.1.2"), v4 as IpRange)).toBe(true);
    expect(inRange(ip("11.0.0.1"), v4 as IpRange)).toBe(false);
    expect(inRange(ip("::ffff:10.1.1.1"), v4 as IpRange)).toBe(true);
    expect(inRange(ip("fdab::1"), v6 as IpRange)).toBe(true);
    expect(inRange(ip("fe00::1"), v6 as IpRange)).toBe(false);
    expect(inRange(ip("127.0.0.1"), one as IpRange)).toBe(true);
    expect(inRange(ip("127.0.0.2"), one as IpRange)).toBe(false);
  });

  it("puts every address in each of its own prefixes, and a flipped bit inside the prefix out", () => {
    const groups = fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 8, maxLength: 8 });
    fc.assert(
      fc.property(groups, fc.integer({ min: 1, max: 128 }), (address, bits) => {
        expect(inRange(address, { groups: address, bits })).toBe(true);
        const flipped = [...address];
        const bit = bits - 1;
        const index = Math.floor(bit / 16);
        flipped[index] = (flipped[index] as number) ^ (0x8000 >> (bit % 16));
        expect(inRange(flipped, { groups: address, bits })).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });
});

describe("withoutPort", () => {
  it("drops the port of the forms workerd and proxies write", () => {
    expect(withoutPort("127.0.0.1:5000")).toBe("127.0.0.1");
    expect(withoutPort("[::1]:5000")).toBe("::1");
    expect(withoutPort("[::ffff:127.0.0.1]:48556")).toBe("::ffff:127.0.0.1");
    expect(withoutPort(" 2001:db8::1 ")).toBe("2001:db8::1");
    expect(withoutPort("192.0.2.1")).toBe("192.0.2.1");
  });
});

describe("clientAddress", () => {
  it("on Cloudflare (no socket peer) reads CF-Connecting-IP and nothing else", () => {
    const request = new Request("https://bff.example.org/", {
      headers: { "cf-connecting-ip": "203.0.113.5", "x-forwarded-for": "198.51.100.1" },
    });
    expect(clientAddress(request, ranges("0.0.0.0/0"))).toEqual({
      address: "203.0.113.5",
      source: "cf-connecting-ip",
    });
  });

  it("self-hosted, takes the socket peer and ignores CF-Connecting-IP and X-Forwarded-For from it", () => {
    const request = fromSocket("203.0.113.9:40000", {
      "cf-connecting-ip": "198.51.100.1",
      "x-forwarded-for": "198.51.100.2",
    });
    expect(clientAddress(request, [])).toEqual({ address: "203.0.113.9", source: "socket" });
    expect(clientAddress(request, ranges("127.0.0.1"))).toEqual({ address: "203.0.113.9", source: "socket" });
    expect(clientAddress(fromSocket("[2001:db8::7]:1"), []).address).toBe("2001:db8::7");
  });

  it("behind a trusted proxy, takes the nearest hop that is not a trusted proxy", () => {
    const trusted = ranges("127.0.0.1", "10.0.0.0/8");
    const via = (xff: string) =>
      clientAddress(fromSocket("[::ffff:127.0.0.1]:5000", { "x-forwarded-for": xff }), trusted);
    expect(via("203.0.113.9")).toEqual({ address: "203.0.113.9", source: "x-forwarded-for" });
    // A client that prepends hops cannot choose its bucket: the proxy appended the real peer.
    expect(via("198.51.100.1, 203.0.113.9").address).toBe("203.0.113.9");
    // Chained trusted proxies are skipped.
    expect(via("203.0.113.9, 10.1.2.3").address).toBe("203.0.113.9");
    expect(via("203.0.113.9,10.1.2.3, 127.0.0.1").address).toBe("203.0.113.9");
    expect(via("[2001:db8::5]:443").address).toBe("2001:db8::5");
    // Every hop trusted: the furthest one.
    expect(via("10.0.0.1, 10.0.0.2").address).toBe("10.0.0.1");
    // An unreadable hop ends the walk with no address (the shared bucket).
    expect(via("203.0.113.9, garbage")).toEqual({ address: null, source: "x-forwarded-for" });
  });

  it("behind a trusted proxy that sent no X-Forwarded-For, the proxy itself", () => {
    const request = fromSocket("127.0.0.1:5000");
    expect(clientAddress(request, ranges("127.0.0.1"))).toEqual({ address: "127.0.0.1", source: "socket" });
  });

  it("never lets a client outside the trusted ranges choose its address", () => {
    const trusted = ranges("127.0.0.0/8");
    fc.assert(
      fc.property(
        fc.tuple(fc.integer({ min: 128, max: 223 }), fc.nat(255), fc.nat(255), fc.nat(255)),
        fc.stringMatching(/^[0-9a-fA-F.:, [\]]{0,60}$/),
        (octets, xff) => {
          const peer = octets.join(".");
          const request = fromSocket(`${peer}:1234`, { "x-forwarded-for": xff, "cf-connecting-ip": xff });
          expect(clientAddress(request, trusted).address).toBe(peer);
        },
      ),
      { numRuns: 1000 },
    );
  });
});
