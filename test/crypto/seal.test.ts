import { base64url, CompactEncrypt, compactDecrypt, EncryptJWT } from "jose";
import { describe, expect, it } from "vitest";
import { nowSeconds } from "../../src/clock.ts";
import { generateKey, getKeyRing } from "../../src/crypto/key-ring.ts";
import { MAX_SEALED_LENGTH, open, seal } from "../../src/crypto/seal.ts";
import type { SessionAccount } from "../../src/session/session.ts";
import { readSession, sessionSetCookie } from "../../src/session/store.ts";

const keyA = generateKey();
const keyB = generateKey();

const sampleAccount: SessionAccount = {
  instance: "mastodon.example.net",
  origin: "https://mastodon.example.net",
  token: "t".repeat(43),
  scope: "read write push",
  clientId: "c".repeat(43),
  id: "109348123456789012",
  acct: "alice",
  username: "alice",
  displayName: "Alice Example, with a reasonably long display name",
  avatar:
    "https://files.mastodon.example.net/accounts/avatars/109/348/123/456/789/012/original/0123456789abcdef.png",
  url: "https://mastodon.example.net/@alice",
  streaming: "wss://streaming.mastodon.example.net",
};

describe("sealed values", () => {
  it("opens what it sealed, for the same purpose only", async () => {
    const ring = await getKeyRing([keyA]);
    const sealed = await seal({ hello: "world" }, "login", ring, 60);
    expect((await open(sealed, "login", ring))?.hello).toBe("world");
    expect(await open(sealed, "session", ring)).toBeNull();
  });

  it("holds each key imported once, as a non-extractable AES-256-GCM CryptoKey that opens raw-key JWEs", async () => {
    const ring = await getKeyRing([keyB, keyA]);
    expect(await getKeyRing([keyB, keyA])).toBe(ring);
    for (const key of ring.byKid.values()) {
      expect(key.key.extractable).toBe(false);
      expect(key.key.algorithm).toMatchObject({ name: "AES-GCM", length: 256 });
      expect([...key.key.usages].sort()).toEqual(["decrypt", "encrypt"]);
    }
    // Sealed with the raw bytes, as jose does for any holder of the key: the CryptoKey opens it.
    const now = nowSeconds();
    const claims = { n: 3, aud: "fedi-bff:app", iat: now, exp: now + 60 };
    const sealed = await new CompactEncrypt(new TextEncoder().encode(JSON.stringify(claims)))
      .setProtectedHeader({ alg: "dir", enc: "A256GCM", kid: ring.current.kid })
      .encrypt(ring.current.secret);
    expect((await open(sealed, "app", ring))?.n).toBe(3);
  });

  it("opens values sealed with an older key after rotation, and seals with the first key", async () => {
    const old = await getKeyRing([keyA]);
    const rotated = await getKeyRing([keyB, keyA]);
    const sealed = await seal({ n: 1 }, "session", old, 60);
    expect((await open(sealed, "session", rotated))?.n).toBe(1);
    const fresh = await seal({ n: 2 }, "session", rotated, 60);
    expect(await open(fresh, "session", old)).toBeNull();
  });

  it("refuses expired, tampered, truncated, oversized and foreign values", async () => {
    const ring = await getKeyRing([keyA]);
    const other = await getKeyRing([keyB]);
    const sealed = await seal({ n: 1 }, "session", ring, 60);
    expect(await open(sealed, "session", ring, nowSeconds() + 61)).toBeNull();
    const flipped = sealed.slice(0, -5) + (sealed.at(-5) === "A" ? "B" : "A") + sealed.slice(-4);
    expect(await open(flipped, "session", ring)).toBeNull();
    expect(await open(sealed.slice(0, sealed.length - 10), "session", ring)).toBeNull();
    expect(await open("a".repeat(MAX_SEALED_LENGTH + 1), "session", ring)).toBeNull();
    expect(await open(await seal({ n: 1 }, "session", other, 60), "session", ring)).toBeNull();
  });

  it("accepts only dir + A256GCM (no PBES2, no other enc)", async () => {
    const ring = await getKeyRing([keyA]);
    const secret = ring.current.secret;
    const a128 = await new EncryptJWT({ aud: "fedi-bff:session" })
      .setProtectedHeader({ alg: "dir", enc: "A128GCM", kid: ring.current.kid })
      .setExpirationTime("1h")
      .setIssuedAt()
      .encrypt(secret.slice(0, 16));
    expect(await open(a128, "session", ring)).toBeNull();
    const pbes2 = await new CompactEncrypt(new TextEncoder().encode("{}"))
      .setProtectedHeader({
        alg: "PBES2-HS256+A128KW",
        enc: "A256GCM",
        p2c: 1000,
        p2s: base64url.encode("saltsaltsalt"),
      })
      .encrypt(new TextEncoder().encode("password"));
    expect(await open(pbes2, "session", ring)).toBeNull();
  });
});

/** jose's own verdict on a sealed value: decrypts as dir + A256GCM under the ring, and the claims hold. */
async function joseOpens(sealed: string, ring: Awaited<ReturnType<typeof getKeyRing>>, purpose: string) {
  try {
    const { plaintext } = await compactDecrypt(
      sealed,
      (header) => ring.byKid.get(String(header.kid))?.secret ?? new Uint8Array(32),
      { keyManagementAlgorithms: ["dir"], contentEncryptionAlgorithms: ["A256GCM"] },
    );
    const claims = JSON.parse(new TextDecoder().decode(plaintext));
    return claims.aud === `fedi-bff:${purpose}` && claims.exp > nowSeconds() ? claims : null;
  } catch {
    return null;
  }
}

describe("opening agrees with jose", () => {
  it("writes standard compact JWE: jose opens every sealed value with its claims, each with a fresh IV", async () => {
    const ring = await getKeyRing([keyB, keyA]);
    const ivs = new Set<string>();
    for (const purpose of ["session", "login", "app", "refresh"] as const) {
      const sealed = await seal({ n: 5, who: "alice", nested: { é: "ü" } }, purpose, ring, 600);
      const { protectedHeader } = await compactDecrypt(sealed, ring.current.secret, {
        keyManagementAlgorithms: ["dir"],
        contentEncryptionAlgorithms: ["A256GCM"],
      });
      expect(protectedHeader).toEqual({ alg: "dir", enc: "A256GCM", kid: ring.current.kid });
      expect(await joseOpens(sealed, ring, purpose)).toMatchObject({
        n: 5,
        who: "alice",
        nested: { é: "ü" },
      });
      ivs.add(sealed.split(".")[2] as string);
    }
    expect(ivs.size).toBe(4);
  });

  it("opens nothing jose refuses: every one-character change of a sealed value", async () => {
    const ring = await getKeyRing([keyA, keyB]);
    const sealed = await seal({ n: 7, who: "alice" }, "session", ring, 600);
    expect(await joseOpens(sealed, ring, "session")).not.toBeNull();
    let opened = 0;
    for (let i = 0; i < sealed.length; i++) {
      const char = sealed[i] === "." ? "A" : sealed[i] === "A" ? "B" : "A";
      const changed = sealed.slice(0, i) + char + sealed.slice(i + 1);
      const ours = await open(changed, "session", ring);
      if (ours !== null) {
        opened++;
        expect(await joseOpens(changed, ring, "session")).toEqual(ours);
      }
    }
    // Only a change in a segment's unused low bits can leave the bytes, hence the value, intact.
    expect(opened).toBeLessThanOrEqual(4);
  });

  it("refuses a header seal never writes, even one jose would accept (members reordered or added)", async () => {
    const ring = await getKeyRing([keyA]);
    const { kid, secret } = ring.current;
    const now = nowSeconds();
    const payload = new TextEncoder().encode(
      JSON.stringify({ n: 1, aud: "fedi-bff:session", iat: now, exp: now + 60 }),
    );
    for (const header of [
      { enc: "A256GCM", alg: "dir", kid },
      { alg: "dir", enc: "A256GCM", kid, typ: "JWT" },
      { alg: "dir", enc: "A256GCM", kid, cty: "JWT" },
    ]) {
      const sealed = await new CompactEncrypt(payload).setProtectedHeader(header).encrypt(secret);
      expect(await joseOpens(sealed, ring, "session")).not.toBeNull();
      expect(await open(sealed, "session", ring)).toBeNull();
    }
  });
});

describe("session cookie", () => {
  it("round-trips one account and stays under 1,200 bytes", async () => {
    const ring = await getKeyRing([keyA]);
    const setCookie = await sessionSetCookie([sampleAccount], 0, ring, 3600);
    const value = setCookie.split(";")[0] ?? "";
    expect(value.length).toBeLessThan(1200);
    expect(setCookie).toMatch(
      /^__Host-fedi-bff-session=.*; Max-Age=3600; Path=\/; HttpOnly; Secure; SameSite=Lax$/,
    );
    const session = await readSession(value, ring);
    expect(session?.accounts).toEqual([sampleAccount]);
  });

  it("treats a garbage cookie as no session", async () => {
    const ring = await getKeyRing([keyA]);
    expect(await readSession("__Host-fedi-bff-session=eyJhbGciOiJub25lIn0.e30.", ring)).toBeNull();
    expect(await readSession("__Host-fedi-bff-session=", ring)).toBeNull();
    expect(await readSession(null, ring)).toBeNull();
  });
});
