/**
 * Reading one cookie out of a Cookie header: names match byte for byte after removing only SP and
 * HTAB (RFC 6265 §5.2), and a name claimed twice — or by a lookalike padded with other whitespace
 * or invisible characters — yields nothing. Checked against a plain reference parser.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { getKeyRing } from "../../src/crypto/key-ring.ts";
import { cookieValue, MAX_COOKIE_HEADER, SESSION_COOKIE } from "../../src/session/cookies.ts";
import { readSession, sessionSetCookie } from "../../src/session/store.ts";

/** Characters JavaScript's trim() removes that are not SP or HTAB (and two it keeps, U+0085, U+200B). */
const LOOKALIKE_PADDING = [
  "\u00a0",
  ...Array.from({ length: 11 }, (_, i) => String.fromCharCode(0x2000 + i)),
  "\u2028",
  "\u2029",
  "\u202f",
  "\u205f",
  "\u3000",
  "\ufeff",
  "\u000b",
  "\u000c",
  "\u1680",
  "\u0085",
  "\u200b",
];

/** The reference: split on ";", cut at the first "=", then decide claims and lookalikes. */
function reference(header: string, name: string): string | undefined {
  if (header.length === 0 || header.length > MAX_COOKIE_HEADER) return undefined;
  const claims: { exact: boolean; value: string }[] = [];
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    const raw = part.slice(0, eq);
    const loose = raw.replace(/^[^\x21-\x7e]+|[^\x21-\x7e]+$/g, "");
    if (loose !== name) continue;
    const strict = raw.replace(/^[ \t]+|[ \t]+$/g, "");
    claims.push({ exact: strict === name, value: part.slice(eq + 1).replace(/^[ \t]+|[ \t]+$/g, "") });
  }
  const [only] = claims;
  return claims.length === 1 && only?.exact ? only.value : undefined;
}

describe("cookieValue", () => {
  it("reads the session cookie among others, with SP/HTAB around name and value", () => {
    expect(cookieValue(`a=1; ${SESSION_COOKIE}=v; b=2`, SESSION_COOKIE)).toBe("v");
    expect(cookieValue(`a=1;\t ${SESSION_COOKIE} \t= v \t;b=2`, SESSION_COOKIE)).toBe("v");
    expect(cookieValue(`x${SESSION_COOKIE}=v; ${SESSION_COOKIE}x=w`, SESSION_COOKIE)).toBeUndefined();
    expect(cookieValue(`a=${SESSION_COOKIE}=v`, SESSION_COOKIE)).toBeUndefined();
  });

  it.each(LOOKALIKE_PADDING.map((c) => [`U+${c.charCodeAt(0).toString(16).padStart(4, "0")}`, c]))(
    "gives no value when a name padded with %s competes with ours, before or after it",
    (_, pad) => {
      for (const planted of [
        `${pad}${SESSION_COOKIE}`,
        `${SESSION_COOKIE}${pad}`,
        ` ${pad} ${SESSION_COOKIE}`,
      ]) {
        expect(cookieValue(`${planted}=attacker; ${SESSION_COOKIE}=victim`, SESSION_COOKIE)).toBeUndefined();
        expect(cookieValue(`${SESSION_COOKIE}=victim; ${planted}=attacker`, SESSION_COOKIE)).toBeUndefined();
        expect(cookieValue(`${planted}=attacker`, SESSION_COOKIE)).toBeUndefined();
      }
    },
  );

  it("gives no value for a name claimed twice", () => {
    expect(cookieValue(`${SESSION_COOKIE}=a; ${SESSION_COOKIE}=b`, SESSION_COOKIE)).toBeUndefined();
    expect(cookieValue(`${SESSION_COOKIE}=a;${SESSION_COOKIE}=a`, SESSION_COOKIE)).toBeUndefined();
  });

  it("opens no session planted under a lookalike name (the sibling-subdomain attack)", async () => {
    const ring = await getKeyRing(["dGVzdC1rZXktMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDA"]);
    const account = {
      instance: "evil.example",
      origin: "https://evil.example",
      token: "t",
      scope: "read",
      clientId: "c",
      id: "1",
      acct: "mallory",
      username: "mallory",
      displayName: "",
      avatar: "",
      url: "",
      streaming: "wss://evil.example",
    };
    const sealed = (await sessionSetCookie([account], 0, ring, 3600)).split(";")[0]?.split("=")[1] ?? "";
    for (const pad of LOOKALIKE_PADDING) {
      expect(await readSession(`${pad}${SESSION_COOKIE}=${sealed}`, ring)).toBeNull();
    }
    expect(await readSession(` ${SESSION_COOKIE}=${sealed}`, ring)).not.toBeNull();
  });

  it("agrees with the reference parser on generated headers (fast-check)", () => {
    const padding = fc.constantFrom("", " ", "\t", " \t ", ...LOOKALIKE_PADDING);
    const name = fc.constantFrom(SESSION_COOKIE, "a", "__Host-fedi-bff-sessio", `${SESSION_COOKIE}-x`, "=");
    const value = fc.constantFrom("v", "", " v ", "a=b", SESSION_COOKIE, "\u2000v");
    const pair = fc
      .tuple(padding, name, padding, fc.boolean(), value)
      .map(([before, n, after, eq, v]) => `${before}${n}${after}${eq ? "=" : ""}${v}`);
    const header = fc.array(pair, { maxLength: 6 }).map((pairs) => pairs.join(";"));
    fc.assert(
      fc.property(header, (h) => cookieValue(h, SESSION_COOKIE) === reference(h, SESSION_COOKIE)),
      { numRuns: 20_000 },
    );
  });
});
