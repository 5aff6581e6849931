/**
 * Rate-limit keys: IPv4 by address, IPv6 by /64, an IPv4-mapped IPv6 address (any spelling) as
 * its IPv4 address, the special addresses of the all-zero /64 each on their own, and a missing or
 * malformed client address in one named shared bucket. Properties are checked against a plain
 * reference over the address's eight 16-bit groups; fast-check prints the seed of any failure
 * (`{ seed: …, path: … }`), which `fc.assert(…, { seed, path })` replays.
 */
import fc from "fast-check";
import { describe, expect, it, vi } from "vitest";
import { clientKey, IsolateLimiter, LOGIN_LIMIT, NO_CLIENT_IP_KEY } from "../../src/http/rate-limit.ts";
import wranglerToml from "../../wrangler.toml?raw";
import { bff, expectError } from "../helpers/bff.ts";
import { uniqueHost } from "../helpers/fake.ts";

const RUNS = 20_000;

/** The reference: what a key must be, computed from the groups rather than from text. */
function referenceKey(groups: readonly number[]): string {
  const hex = (gs: readonly number[]) => gs.map((g) => g.toString(16)).join(":");
  const zero = (from: number, to: number) => groups.slice(from, to).every((g) => g === 0);
  if (zero(0, 5) && groups[5] === 0xffff) {
    const [hi = 0, lo = 0] = groups.slice(6);
    return [hi >> 8, hi & 0xff, lo >> 8, lo & 0xff].join(".");
  }
  return zero(0, 4) ? hex(groups) : hex(groups.slice(0, 4));
}

interface Spelling {
  readonly upper: readonly boolean[];
  readonly pad: readonly number[];
  readonly dotted: boolean;
  readonly run: number;
}

/** One of the many RFC 4291 §2.2 spellings of the groups: case, leading zeros, `::`, dotted tail. */
function spell(groups: readonly number[], how: Spelling): string {
  const dotted = how.dotted;
  const words = groups.map((g, i) => {
    const text = g.toString(16).padStart(1 + (how.pad[i] ?? 0), "0");
    return how.upper[i] ? text.toUpperCase() : text;
  });
  if (dotted) {
    const [hi = 0, lo = 0] = groups.slice(6);
    words.splice(6, 2, [hi >> 8, hi & 0xff, lo >> 8, lo & 0xff].join("."));
  }
  const runs: [number, number][] = [];
  const last = dotted ? 6 : 8;
  for (let start = 0; start < last; start++) {
    for (let end = start + 1; end <= last && groups[end - 1] === 0; end++) runs.push([start, end]);
  }
  const chosen = runs[how.run % (runs.length + 1)];
  if (chosen === undefined) return words.join(":");
  return `${words.slice(0, chosen[0]).join(":")}::${words.slice(chosen[1]).join(":")}`;
}

const group = fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0xffff }));
const anyGroups = fc.array(group, { minLength: 8, maxLength: 8 });
const mappedGroups = fc
  .array(fc.integer({ min: 0, max: 0xffff }), { minLength: 2, maxLength: 2 })
  .map((tail) => [0, 0, 0, 0, 0, 0xffff, ...tail]);
const spelling: fc.Arbitrary<Spelling> = fc.record({
  upper: fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }),
  pad: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 8, maxLength: 8 }),
  dotted: fc.boolean(),
  run: fc.nat(),
});

describe("clientKey", () => {
  it("maps IPv4-mapped addresses, in dotted and hex form, to their IPv4 key", () => {
    expect(clientKey("::ffff:192.0.2.1")).toBe("192.0.2.1");
    expect(clientKey("::ffff:c000:0201")).toBe("192.0.2.1");
    expect(clientKey("0:0:0:0:0:FFFF:C000:201")).toBe("192.0.2.1");
    expect(clientKey("::ffff:192.0.2.2")).not.toBe(clientKey("::ffff:192.0.2.1"));
  });

  it("keeps ::1, :: and the IPv4-mapped range apart", () => {
    const keys = ["::1", "::", "::ffff:192.0.2.1", "::192.0.2.1"].map(clientKey);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it("puts a missing or malformed client address in the one named shared bucket", () => {
    for (const ip of [
      null,
      "",
      "unknown",
      "1.2.3",
      "::ffff:1.2.3.4.5",
      "1.2.3.4::",
      "fe80::1%eth0",
      "1:2:3:4:5:6:7:8:9",
    ]) {
      expect(clientKey(ip), String(ip)).toBe(NO_CLIENT_IP_KEY);
    }
  });

  it("keys every spelling of an IPv6 address like the reference", () => {
    fc.assert(
      fc.property(fc.oneof(anyGroups, mappedGroups), spelling, (groups, how) => {
        expect(clientKey(spell(groups, how))).toBe(referenceKey(groups));
      }),
      { numRuns: RUNS },
    );
  });

  it("gives two addresses one key exactly when the reference does", () => {
    fc.assert(
      fc.property(
        fc.oneof(anyGroups, mappedGroups),
        fc.oneof(anyGroups, mappedGroups),
        spelling,
        spelling,
        (a, b, ha, hb) => {
          const same = clientKey(spell(a, ha)) === clientKey(spell(b, hb));
          expect(same).toBe(referenceKey(a) === referenceKey(b));
        },
      ),
      { numRuns: RUNS },
    );
  });

  it("never throws, and keys anything that is not an address in the shared bucket", () => {
    const KEY_SHAPE =
      /^(\d{1,3}\.){3}\d{1,3}$|^[0-9a-f]{1,4}(:[0-9a-f]{1,4}){3}$|^[0-9a-f]{1,4}(:[0-9a-f]{1,4}){7}$/;
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ maxLength: 80 }), fc.stringMatching(/^[0-9a-fA-F:.]{0,45}$/)),
        (raw) => {
          const key = clientKey(raw);
          expect(key === NO_CLIENT_IP_KEY || KEY_SHAPE.test(key), key).toBe(true);
        },
      ),
      { numRuns: RUNS },
    );
  });
});

describe("login rate limit per client", () => {
  /** Login starts from `ip` until the limiter says no; how many got through. */
  async function exhaust(ip: string, host: string): Promise<number> {
    for (let i = 0; i < 1000; i++) {
      const res = await bff(`/auth/login?instance=${host}`, { headers: { "cf-connecting-ip": ip } });
      if (res.status === 429) return i;
      expect(res.status).toBe(302);
    }
    throw new Error("the limiter never answered 429");
  }
  const start = (ip: string, host: string) =>
    bff(`/auth/login?instance=${host}`, { headers: { "cf-connecting-ip": ip } });

  it("gives each IPv4-mapped client its own bucket, shared with its IPv4 and hex spellings", async () => {
    const host = uniqueHost("mastodon");
    expect(await exhaust("::ffff:192.0.2.1", host)).toBeGreaterThan(0);
    expect((await start("::ffff:192.0.2.2", host)).status).toBe(302);
    expect((await start("::1", host)).status).toBe(302);
    await expectError(await start("192.0.2.1", host), 429, "rate_limited");
    await expectError(await start("::ffff:c000:0201", host), 429, "rate_limited");
  });
});

describe("the limiter without a Rate Limiting binding (self-hosted)", () => {
  it("counts a fixed window per key and opens a new one when it ends", async () => {
    const limiter = new IsolateLimiter(2, 60);
    const results = [];
    for (let i = 0; i < 3; i++) results.push((await limiter.limit({ key: "a" })).success);
    expect(results).toEqual([true, true, false]);
    expect((await limiter.limit({ key: "b" })).success).toBe(true);
    vi.useFakeTimers({ now: Date.now() + 61_000 });
    try {
      expect((await limiter.limit({ key: "a" })).success).toBe(true);
    } finally {
      vi.useRealTimers();
    }
  });

  it("holds at most MAX_KEYS windows, dropping ended ones first", async () => {
    const limiter = new IsolateLimiter(1, 60);
    const start = Date.now();
    vi.useFakeTimers({ now: start });
    try {
      for (let i = 0; i < IsolateLimiter.MAX_KEYS; i++) await limiter.limit({ key: `old-${i}` });
      expect(limiter.size).toBe(IsolateLimiter.MAX_KEYS);
      // A full map of live windows: the oldest goes, the newest key still gets a window.
      await limiter.limit({ key: "new" });
      expect(limiter.size).toBe(IsolateLimiter.MAX_KEYS);
      expect((await limiter.limit({ key: "new" })).success).toBe(false);
      expect((await limiter.limit({ key: `old-${IsolateLimiter.MAX_KEYS - 1}` })).success).toBe(false);
      // Once they ended, the next new key clears every ended window at once.
      vi.setSystemTime(start + 61_000);
      await limiter.limit({ key: "later" });
      expect(limiter.size).toBe(1);
    } finally {
      vi.useRealTimers();
    }
  });

  /** A login start as workerd delivers it when it serves the socket itself. */
  const selfHosted = (peer: string, host: string, headers: Record<string, string> = {}, trusted = "") =>
    bff(`/auth/login?instance=${host}`, {
      cf: { clientIp: peer },
      headers,
      env: { LOGIN_LIMITER: undefined, TRUSTED_PROXIES: trusted },
    });

  it("brakes login starts per socket peer; CF-Connecting-IP from a client changes nothing", async () => {
    const host = uniqueHost("mastodon");
    const peer = "192.0.2.201";
    for (let i = 0; i < LOGIN_LIMIT.limit; i++) {
      const res = await selfHosted(`${peer}:${40000 + i}`, host, { "cf-connecting-ip": `203.0.113.${i}` });
      expect(res.status).toBe(302);
    }
    await expectError(
      await selfHosted(`${peer}:1`, host, { "cf-connecting-ip": "203.0.113.250" }),
      429,
      "rate_limited",
    );
    expect((await selfHosted("192.0.2.202:1", host)).status).toBe(302);
  });

  it("behind a trusted proxy, brakes per forwarded client, not per proxy", async () => {
    const host = uniqueHost("mastodon");
    const proxy = "[::ffff:127.0.0.1]:8080";
    const via = (client: string) => selfHosted(proxy, host, { "x-forwarded-for": client }, "127.0.0.1");
    for (let i = 0; i < LOGIN_LIMIT.limit; i++) expect((await via("192.0.2.211")).status).toBe(302);
    await expectError(await via("192.0.2.211"), 429, "rate_limited");
    // A client prepending a hop is still itself; another client behind the same proxy is not braked.
    await expectError(await via("198.51.100.9, 192.0.2.211"), 429, "rate_limited");
    expect((await via("192.0.2.212")).status).toBe(302);
  });
});

describe("the login limit's one value", () => {
  it("is what wrangler.toml deploys to the Rate Limiting binding and what the isolate limiter uses", () => {
    const block =
      /\[\[ratelimits\]\][^[]*name = "LOGIN_LIMITER"[^[]*simple = \{ limit = (\d+), period = (\d+) \}/.exec(
        wranglerToml,
      );
    expect(block, "wrangler.toml has the LOGIN_LIMITER binding").not.toBeNull();
    expect({ limit: Number(block?.[1]), periodSeconds: Number(block?.[2]) }).toEqual(LOGIN_LIMIT);
  });
});
