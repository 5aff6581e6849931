/**
 * The security review, login side: the cases not already pinned by test/auth/*, each written
 * so that it fails when its fix is removed (docs/security.md lists which test guards which fix).
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { appKvKey, registrationFingerprint } from "../../src/registry/storage-keys.ts";
import { BFF, bff, CookieJar, expectError, fullLogin, startLogin } from "../helpers/bff.ts";
import { fakeState, uniqueHost } from "../helpers/fake.ts";

describe("login CSRF (item 2)", () => {
  it.each([
    [
      "a cross-site form POST",
      { "sec-fetch-site": "cross-site", origin: "https://evil.example.org" },
      "POST",
      "forbidden_origin",
    ],
    ["a sandboxed frame (Origin: null)", { origin: "null" }, "POST", "forbidden_origin"],
    [
      "a same-site page that is not an allowed origin",
      { "sec-fetch-site": "same-site", referer: "https://blog.example.com/", "sec-fetch-dest": "empty" },
      "GET",
      "csrf_required",
    ],
    [
      "a same-site image",
      { "sec-fetch-site": "same-site", "sec-fetch-dest": "image" },
      "GET",
      "csrf_required",
    ],
    [
      "a cross-site request that forges X-CSRF",
      { "sec-fetch-site": "cross-site", "x-csrf": "1" },
      "GET",
      "forbidden_origin",
    ],
  ])("refuses a login started by %s: 403, nothing registered", async (_, headers, method, code) => {
    const host = uniqueHost("mastodon");
    const res = await bff(`/auth/login?instance=${host}`, {
      method,
      headers: { ...headers, "content-type": "application/x-www-form-urlencoded" },
      ...(method === "POST" ? { body: `instance=${host}` } : {}),
    });
    await expectError(res, 403, code);
    expect((await fakeState(host)).requests).toEqual([]);
  });

  it("refuses a cross-site account switch (forbidden_origin) and a GET logout (no such route)", async () => {
    const { jar } = await fullLogin(uniqueHost("mastodon"));
    const sw = await bff("/auth/switch?account=x", {
      method: "POST",
      jar,
      headers: { "sec-fetch-site": "cross-site", "x-csrf": "1" },
    });
    await expectError(sw, 403, "forbidden_origin");
    await expectError(await bff("/auth/logout", { jar }), 404, "not_found");
    expect((await bff("/auth/session", { jar })).status).toBe(200);
  });
});

describe("registrations are bound to their host (item 3)", () => {
  it("never uses host A's registration for host B, even when storage hands it over", async () => {
    const a = uniqueHost("mastodon");
    const b = uniqueHost("mastodon");
    await startLogin(a, new CookieJar());
    const fingerprint = (host: string) =>
      registrationFingerprint({ redirectUri: `${BFF}/auth/callback/${host}`, scopes: "read write push" });
    const sealedA = (await env.APPS.get(appKvKey(a, await fingerprint(a)))) ?? "";
    expect(sealedA).not.toBe("");
    // A misrouted or planted cache entry: A's sealed registration under B's key.
    await env.APPS.put(appKvKey(b, await fingerprint(b)), sealedA);
    const authorize = await startLogin(b, new CookieJar());
    expect(authorize.origin).toBe(`https://${b}`);
    expect((await fakeState(b)).registrations).toBe(1);
  });
});
