/**
 * The Link and Location rewriting (src/proxy/links.ts) takes a hand-tuned shortcut for the common
 * spelling, and splits `Link` headers by hand. Here both are checked against a plain reference
 * that resolves every URL with the WHATWG URL parser, over 20,000 generated values each. fast-check
 * prints the seed of any failure (`{ seed: …, path: … }`), which `fc.assert(…, { seed, path })`
 * replays.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type LinkContext, rewriteLinkHeader, rewriteUrl } from "../../src/proxy/links.ts";
import { isProxyablePath, stripAccessToken } from "../../src/proxy/path.ts";

const RUNS = 20_000;
const PUBLIC = "https://bff.example.com";
const PREFIXES = ["/api/v1/", "/api/v2/"];

/** The rule, stated with the URL parser: same origin, no userinfo, a proxyable path. */
function reference(target: string, ctx: LinkContext): string | null {
  let url: URL;
  try {
    url = new URL(target.trim(), ctx.base);
  } catch {
    return null;
  }
  if (url.origin !== ctx.instanceOrigin || url.username !== "" || url.password !== "") return null;
  if (!isProxyablePath(url.pathname, ctx.prefixes)) return null;
  return `${ctx.publicOrigin}${url.pathname}${stripAccessToken(url.search)}`;
}

/** Instance origins: canonical ones, and spellings the parser would change (never canonical). */
const instanceOrigin = fc.constantFrom(
  "https://social.example.net",
  "http://127.0.0.1:3999",
  "https://social.example.net:8443",
  "https://Social.Example.net",
  "https://social.example.net:443",
);

/** Ways to start a URL near the instance's origin, and far from it. */
function urlStart(origin: string): fc.Arbitrary<string> {
  const host = origin.slice(origin.indexOf("//") + 2);
  return fc.constantFrom(
    origin,
    origin,
    origin,
    origin,
    origin.toUpperCase(),
    `${origin}.`,
    `${origin}:443`,
    `https://user:pw@${host}`,
    `https://user@${host}`,
    `//${host}`,
    `http://${host}`,
    "https://evil.example",
    "",
    " ",
    "\t",
  );
}

/** Segments the proxy forwards: most generated paths should reach the query rules. */
const plainSegment = fc.string({
  unit: fc.constantFrom("a", "Z", "0", "-", "_", ".", "~", "!", "$", "(", "*", "+", ",", ";", "=", ":", "@"),
  minLength: 1,
  maxLength: 6,
});
const segment = fc.oneof(
  { arbitrary: plainSegment, weight: 6 },
  fc.constantFrom("api", "v1", "v2", "v3", "timelines", "home", "oauth", "..", ".", ""),
  fc.constantFrom("%2e", "%2E%2e", "%2f", "%5c", "%25", "%00", "%C3%BC", "%c0%ae", "%", "%zz", "%e2%82"),
  fc.constantFrom("ü", "a b", "\\", '"', "<", ">", "{", "`", "^", "|", "'", "x;y", "@", ":", "~", "\u0000"),
  fc.string({ unit: fc.constantFrom("a", "Z", "0", "-", "_", ".", "!", "$", "&", "(", "*", "+", ",", "=") }),
);
const path = fc.oneof(
  fc.array(plainSegment, { minLength: 1, maxLength: 3 }).map((parts) => `/api/v1/${parts.join("/")}`),
  fc.array(segment, { maxLength: 6 }).map((parts) => `/${parts.join("/")}`),
  fc.array(segment, { minLength: 1, maxLength: 4 }).map((parts) => `/api/v1/${parts.join("/")}`),
  fc.array(segment, { minLength: 1, maxLength: 4 }).map((parts) => parts.join("/")),
);
const queryChar = fc.constantFrom(
  ..."aZ09-._~!$&()*+,;=:@/?%".split(""),
  ..."#\"' <>[]\\^`{|}\t\n\u0000\u007fü€".split(""),
  "access_token",
  "ACCESS%5Ftoken",
  "%zz",
  "%20",
);
const query = fc.oneof(
  fc.constant(""),
  fc.string({ unit: queryChar, maxLength: 8 }).map((q) => `?${q}`),
);
const tail = fc.constantFrom("", "", "", "#frag", " ", "\n");

/** An instance origin, and a URL the instance might hand back near it. */
const linkCase = instanceOrigin.chain((origin) =>
  fc.record({
    ctx: fc.constant<LinkContext>({
      base: `${origin}/api/v1/timelines/home?limit=20`,
      instanceOrigin: origin,
      publicOrigin: PUBLIC,
      prefixes: PREFIXES,
    }),
    target: fc.tuple(urlStart(origin), path, query, tail).map((parts) => parts.join("")),
  }),
);

/** `link-param`s that parse (RFC 8288 §3), with the spacing the hand-written parser accepts. */
const params = fc
  .array(
    fc.constantFrom('; rel="next"', "; rel=prev", ' ; title="a, b"', ";rel=last", "; x", '; rel="a;b"'),
    { maxLength: 3 },
  )
  .map((list) => list.join(""));

describe("Link and Location rewriting, against the URL parser", () => {
  it("rewrites a Location exactly as the reference does", () => {
    fc.assert(
      fc.property(linkCase, ({ ctx, target }) => {
        expect(rewriteUrl(target, ctx)).toBe(reference(target, ctx));
      }),
      { numRuns: RUNS },
    );
  });

  it("rewrites each link of a Link header as the reference does, and drops the rest", () => {
    const entry = fc.tuple(linkCase, params);
    fc.assert(
      fc.property(instanceOrigin, fc.array(entry, { minLength: 1, maxLength: 4 }), (origin, entries) => {
        const ctx: LinkContext = {
          base: `${origin}/api/v1/timelines/home?limit=20`,
          instanceOrigin: origin,
          publicOrigin: PUBLIC,
          prefixes: PREFIXES,
        };
        // Link targets are delimited by `<…>`: a target holding one of them is another test.
        const links = entries
          .map(([c, p]) => ({ target: c.target.replace(/[<>]/g, ""), params: p }))
          .filter((l) => !l.target.includes(","));
        const header = links.map((l) => `<${l.target}>${l.params}`).join(", ");
        const expected = links.flatMap((l) => {
          const rewritten = reference(l.target, ctx);
          return rewritten === null ? [] : [`<${rewritten}>${l.params.trimEnd()}`];
        });
        expect(rewriteLinkHeader(header, ctx)).toBe(expected.length === 0 ? null : expected.join(", "));
      }),
      { numRuns: RUNS },
    );
  });
});
