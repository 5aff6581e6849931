import { env } from "cloudflare:workers";
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import type { Env } from "../src/config/env.ts";
import { createFediBff, FEDI_BFF_PATHS, type FediBff } from "../src/fedi-bff.ts";
import { BFF, CookieJar, expectError, send } from "./helpers/bff.ts";
import { approve, fakeState, uniqueHost } from "./helpers/fake.ts";

const FAKE_HOST = uniqueHost("mastodon");

async function call(
  handler: Pick<FediBff, "fetch">,
  path: string,
  overrides: Partial<Env> = {},
  jar?: CookieJar,
  base: string = BFF,
) {
  // As a frontend calls it: the CSRF header the API requires, from one client address.
  const headers: Record<string, string> = { "x-csrf": "1", "cf-connecting-ip": "192.0.2.7" };
  if (jar !== undefined && jar.cookies.size > 0) headers.cookie = jar.header();
  const request = new Request(new URL(path, base), { headers, redirect: "manual" });
  const res = await send(request, { handler, env: overrides });
  jar?.store(res);
  return res;
}

/** Signs alice in on `host` through `handler` (served at `base`); returns the signed-in jar. */
async function signIn(handler: FediBff, host: string, base: string, overrides: Partial<Env> = {}) {
  const jar = new CookieJar();
  const start = await call(handler, `/auth/login?instance=${host}`, overrides, jar, base);
  expect(start.status, await start.clone().text()).toBe(302);
  const back = await approve(start.headers.get("location") ?? "");
  const callback = await call(handler, back.pathname + back.search, overrides, jar, base);
  expect(callback.status).toBe(302);
  expect(callback.headers.get("location")).toBe("/");
  return jar;
}

/** Two base64url 256-bit keys other than the Worker's own SESSION_KEYS. */
const KEY_A = "a2V5LWEtZm9yLXRoZS1saWJyYXJ5LXRlc3QtMDAwMDA";
const KEY_B = "a2V5LWItZm9yLXRoZS1saWJyYXJ5LXRlc3QtMTExMTE";

describe("createFediBff options", () => {
  it("override the variable of the same name", async () => {
    const bff = createFediBff({ instanceDenylist: [FAKE_HOST] });
    await expectError(await call(bff, `/auth/login?instance=${FAKE_HOST}`), 403, "instance_not_allowed");
  });

  it("are validated with the variables, every problem listed", () => {
    const bff = createFediBff({ sessionTtl: 0, frontendOrigins: ["not an origin"] });
    const problems = bff.check({ ...(env as Env), PUBLIC_URL: "ftp://bff.example.com" });
    expect(problems.map((p) => p.split(":")[0]).sort()).toEqual([
      "FRONTEND_ORIGINS",
      "PUBLIC_URL",
      "SESSION_TTL",
    ]);
  });

  it("fail closed: a bad option value makes every answer 500 misconfigured", async () => {
    const bff = createFediBff({ scopes: ["read", "everything"] });
    await expectError(await call(bff, "/auth/session"), 500, "misconfigured");
    await expectError(await call(bff, "/api/v1/timelines/home"), 500, "misconfigured");
  });

  it("of the wrong type, or unknown, throw at once naming each", () => {
    const wrong = { publicProxy: "yes", sesionKeys: "x" } as unknown as Parameters<typeof createFediBff>[0];
    expect(() => createFediBff(wrong)).toThrow(
      "fedi-bff options: publicProxy: must be true or false; sesionKeys: not an option of fedi-bff",
    );
  });

  it("are none by default: the env's settings serve as they are", () => {
    expect(createFediBff().check(env as Env)).toEqual([]);
  });
});

describe("createFediBff options are the whole truth", () => {
  it("serve a login with the settings in options only, the app registered under appName", async () => {
    const host = uniqueHost("mastodon");
    const bff = createFediBff({
      appName: "Options Only",
      sessionKeys: [KEY_A],
      publicUrl: "https://opts.example.com",
    });
    // The Worker's env holds no key and no origin: the Registrar must take the handler's.
    const bare = { SESSION_KEYS: undefined, PUBLIC_URL: undefined, APP_NAME: undefined };
    const jar = await signIn(bff, host, "https://opts.example.com", bare);
    const session = await call(bff, "/auth/session", bare, jar, "https://opts.example.com");
    expect(session.status).toBe(200);
    const apps = (await fakeState(`https://${host}`)).apps;
    expect(apps.map((app) => [app.name, app.redirect_uris])).toEqual([
      ["Options Only", [`https://opts.example.com/auth/callback/${host}`]],
    ]);
  });

  it("keep two handlers with their own keys apart in one isolate: no shared session", async () => {
    const host = uniqueHost("mastodon");
    const first = createFediBff({ sessionKeys: [KEY_A], publicUrl: "https://a.example.com" });
    const second = createFediBff({ sessionKeys: [KEY_B], publicUrl: "https://a.example.com" });
    const jar = await signIn(first, host, "https://a.example.com");
    // The first handler opened the cookie (and memoized it); the second's keys cannot.
    expect((await call(first, "/auth/session", {}, jar, "https://a.example.com")).status).toBe(200);
    await expectError(
      await call(second, "/auth/session", {}, jar, "https://a.example.com"),
      401,
      "not_authenticated",
    );
    await expectError(
      await call(second, "/api/v1/timelines/home", {}, jar, "https://a.example.com"),
      401,
      "not_authenticated",
    );
  });
});

describe("fedi-bff's paths", () => {
  const bff = createFediBff();

  it.each(FEDI_BFF_PATHS)("handles %s…", (prefix) => {
    expect(bff.handles(`${BFF}${prefix}x`)).toBe(true);
    expect(bff.handles(new Request(`${BFF}${prefix}x`))).toBe(true);
    expect(bff.handles(`${prefix}x`)).toBe(true);
  });

  it.each(["/", "/@alice/123", "/auth", "/apis/x", "/index.html", "/x/auth/login"])(
    "leaves %s to the app",
    (path) => {
      expect(bff.handles(`${BFF}${path}`)).toBe(false);
    },
  );

  it.each([
    "https://app.example.org?next=/auth/login",
    "https://app.example.org#/api/v1",
    "/?x=/auth/",
    "?/api/",
  ])("ends the path at ? and #: %s is the app's", (url) => {
    expect(bff.handles(url)).toBe(false);
  });
});

describe("mounted in a Hono app", () => {
  const bff = createFediBff();
  const app = new Hono<{ Bindings: Env }>();
  app.use(bff.middleware);
  app.get("/", (c) => c.text("the app"));

  it("leaves the app's routes to the app, without fedi-bff's headers", async () => {
    const res = await call(app, "/");
    expect(await res.text()).toBe("the app");
    expect(res.headers.get("x-frame-options")).toBeNull();
  });

  it("answers its own paths", async () => {
    await expectError(await call(app, "/api/v1/timelines/home"), 401, "not_authenticated");
    await expectError(await call(app, "/auth/nope"), 404, "not_found");
    const start = await call(app, `/auth/login?instance=${FAKE_HOST}`);
    expect(start.status).toBe(302);
    expect(new URL(start.headers.get("location") ?? "").host).toBe(FAKE_HOST);
  });
});
