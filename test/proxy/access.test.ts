import { describe, expect, it } from "vitest";
import { bff, CookieJar, expectError } from "../helpers/bff.ts";
import { revokeTokens } from "../helpers/fake.ts";
import { api, appWith, BFF, bffRequest, seen, sessionKeys, signedIn, signedInTwice } from "./support.ts";

describe("CSRF", () => {
  it("refuses an API call without X-CSRF: 1, before anything reaches the instance", async () => {
    const { host, jar } = await signedIn();
    const form = await bff("/api/v1/statuses", {
      jar,
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "status=pwned",
    });
    expect(form.status).toBe(403);
    await expectError(form, 403, "csrf_required");
    const wrongValue = await api("/api/v1/timelines/home", jar, { headers: { "x-csrf": "true" } });
    await expectError(wrongValue, 403, "csrf_required");
    expect(await seen(host, "/api/v1/statuses")).toEqual([]);
    expect(await seen(host, "/api/v1/timelines/home")).toEqual([]);
  });

  it.each([
    ["Sec-Fetch-Site: cross-site", { "sec-fetch-site": "cross-site" }],
    ["a foreign Origin", { origin: "https://evil.example" }],
    ["Origin: null (sandboxed frame)", { origin: "null" }],
    ["a sibling origin that is not configured", { origin: "https://app.example.com" }],
  ])("refuses %s even with X-CSRF: 1", async (_, headers) => {
    const { host, jar } = await signedIn();
    const res = await api("/api/v1/timelines/home", jar, { headers });
    expect(res.status).toBe(403);
    await expectError(res, 403, "forbidden_origin");
    expect(await seen(host, "/api/v1/timelines/home")).toEqual([]);
  });

  it("accepts the BFF's own Origin and a configured frontend origin", async () => {
    const { jar } = await signedIn();
    expect((await api("/api/v1/timelines/home", jar, { headers: { origin: BFF } })).status).toBe(200);
    const app = appWith({ FRONTEND_ORIGINS: "https://app.example.com" });
    const request = bffRequest("/api/v1/timelines/home", jar, {
      headers: { origin: "https://app.example.com", "x-csrf": "1", "sec-fetch-site": "same-site" },
    });
    const res = await app(request);
    expect(res.status).toBe(200);
    expect(res.headers.get("access-control-allow-origin")).toBe("https://app.example.com");
    expect(res.headers.get("access-control-expose-headers")).toContain("link");
  });

  it("answers CORS preflights itself and never forwards them; other OPTIONS are proxied", async () => {
    const { host, jar } = await signedIn();
    const app = appWith({ FRONTEND_ORIGINS: "https://app.example.com" });
    const preflight = (origin: string) =>
      app(
        bffRequest("/api/v1/statuses", null, {
          method: "OPTIONS",
          headers: {
            origin,
            "access-control-request-method": "POST",
            "access-control-request-headers": "x-csrf",
          },
        }),
      );
    expect((await preflight("https://app.example.com")).status).toBe(204);
    expect((await preflight("https://evil.example")).status).toBe(403);
    expect(await seen(host, "/api/v1/statuses", "OPTIONS")).toEqual([]);
    const plain = await api("/api/v1/statuses", jar, { method: "OPTIONS" });
    expect(plain.status).toBe(404); // the fake's answer: it was forwarded
    expect(await seen(host, "/api/v1/statuses", "OPTIONS")).toHaveLength(1);
  });

  it("refuses a path attack with invalid_path", async () => {
    const { jar } = await signedIn();
    for (const path of [
      "/api/v1/accounts%2f..%2f..%2foauth%2ftoken",
      "/api/v1/accounts%5c1",
      "/api/v1//accounts/verify_credentials",
      "/api/v1/accounts/%252e%252e/",
      "/api/v1/accounts%00",
      "/api/v3/accounts",
      "/api/v1",
    ]) {
      const res = await api(path, jar);
      expect(res.status, path).toBe(400);
      await expectError(res, 400, "invalid_path");
    }
  });

  it("checks the raw request target, before any URL normalization", async () => {
    const { host, jar } = await signedIn();
    const app = appWith({});
    // Both normalize to an allowed path; only the raw target shows the traversal.
    for (const raw of [
      "/api/v1/statuses/../accounts/verify_credentials",
      "/api/v1/x/%2E%2e/accounts/verify_credentials",
    ]) {
      const request = bffRequest("/api/v1/placeholder", jar, { headers: { "x-csrf": "1" } });
      // A Request whose url is what the network delivered, as `curl --path-as-is` sends it.
      const rawRequest = new Proxy(request, {
        get(target, prop) {
          if (prop === "url") return `${BFF}${raw}`;
          const value = Reflect.get(target, prop, target);
          return typeof value === "function" ? value.bind(target) : value;
        },
      });
      const res = await app(rawRequest);
      expect(res.status, raw).toBe(400);
      await expectError(res, 400, "invalid_path");
    }
    expect(await seen(host, "/api/v1/accounts/verify_credentials")).toHaveLength(1); // the login's only
  });
});

describe("sessions and accounts", () => {
  it("answers 401 not_authenticated without a (valid) session", async () => {
    const none = await api("/api/v1/timelines/home", new CookieJar());
    expect(none.status).toBe(401);
    await expectError(none, 401, "not_authenticated");
    const forged = new CookieJar();
    forged.cookies.set("__Host-fedi-bff-session", "eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0..x.y.z");
    await expectError(await api("/api/v1/timelines/home", forged), 401, "not_authenticated");
  });

  it("uses the account named by X-Account, and refuses one not in the session", async () => {
    const first = await signedIn();
    const second = await signedIn("gts", first.jar);
    const { active, keys } = await sessionKeys(first.jar);
    expect(active).toContain(second.host);
    const firstKey = keys.find((k) => k.endsWith(`@${first.host}`)) ?? "";
    const res = await api("/api/v1/accounts/verify_credentials", first.jar, {
      headers: { "x-account": firstKey },
    });
    expect(res.status).toBe(200);
    expect(await seen(first.host, "/api/v1/accounts/verify_credentials")).toHaveLength(2); // login + this
    expect(await seen(second.host, "/api/v1/accounts/verify_credentials")).toHaveLength(1); // login only
    const foreign = await api("/api/v1/accounts/verify_credentials", first.jar, {
      headers: { "x-account": `109000000000000001@evil.example` },
    });
    expect(foreign.status).toBe(400);
    await expectError(foreign, 400, "invalid_account");
  });

  it("turns an upstream 401 into session_revoked and clears the cookie", async () => {
    const { origin, jar } = await signedIn();
    await revokeTokens(origin);
    const res = await api("/api/v1/timelines/home", jar);
    expect(res.status).toBe(401);
    await expectError(res, 401, "session_revoked");
    expect(res.headers.getSetCookie()).toEqual([
      expect.stringMatching(/^__Host-fedi-bff-session=; Max-Age=0/),
    ]);
    expect(jar.cookies.size).toBe(0);
    expect((await api("/api/v1/timelines/home", jar)).status).toBe(401);
  });

  it("removes only the revoked account when the session holds several", async () => {
    const { first, firstKey, secondKey } = await signedInTwice();
    await revokeTokens(first.origin);
    const res = await api("/api/v1/timelines/home", first.jar, { headers: { "x-account": firstKey } });
    expect(res.status).toBe(401);
    await expectError(res, 401, "session_revoked");
    expect(res.headers.getSetCookie()).toEqual([
      expect.stringMatching(/^__Host-fedi-bff-session=[^;]+; Max-Age=\d+/),
    ]);
    expect(await sessionKeys(first.jar)).toEqual({ active: secondKey, keys: [secondKey] });
    expect((await api("/api/v1/timelines/home", first.jar)).status).toBe(200);
  });
});
