import { env } from "cloudflare:workers";
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import type { Env } from "../src/config/env.ts";
import { createFediBff, FEDI_BFF_PATHS, type FediBff } from "../src/fedi-bff.ts";
import { BFF, expectError, bff as send } from "./helpers/bff.ts";
import { uniqueHost } from "./helpers/fake.ts";

const FAKE_HOST = uniqueHost("mastodon");

function call(handler: Pick<FediBff, "fetch">, path: string, overrides: Partial<Env> = {}) {
  // As a frontend calls it: the CSRF header the API requires, from one client address.
  const headers = { "x-csrf": "1", "cf-connecting-ip": "192.0.2.7" };
  return send(path, { handler, env: overrides, headers });
}

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
