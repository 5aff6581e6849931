/**
 * fedi-bff's own router: the route table's matching (app/router.ts) and the app's steps around
 * the routes (app/handler.ts), driven with routes of the test's own.
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { appHandler } from "../../src/app/handler.ts";
import { type Route, routeTable } from "../../src/app/router.ts";
import type { AppContext, AppHandler, OpenHandler } from "../../src/app/types.ts";
import type { Env } from "../../src/config/env.ts";
import { BffError } from "../../src/errors.ts";
import { HSTS } from "../../src/middleware/security-headers.ts";
import { BFF, expectError } from "../helpers/bff.ts";

describe("the route table", () => {
  const table = routeTable<string>([
    ["GET", "/auth/session", "session"],
    ["POST", "/auth/logout", "logout"],
    ["GET", "/auth/callback/:host", "callback of a host"],
    ["GET", "/auth/callback", "legacy callback"],
    ["ALL", "/instances/:host/api/*", "public"],
    ["POST", "/ops/instances/:host/:action", "action"],
    ["GET", "/a.b", "dotted"],
    ["ALL", "/auth/session", "shadowed by the GET route above for GET, not for POST"],
  ]);
  const handler = (method: string, path: string) => table(method, path)?.handler ?? null;
  const params = (method: string, path: string) => table(method, path)?.params;

  it("matches a literal pattern exactly, with one trailing slash allowed", () => {
    expect(handler("GET", "/auth/session")).toBe("session");
    expect(handler("GET", "/auth/session/")).toBe("session");
    for (const path of [
      "/auth/session//",
      "/auth//session",
      "/Auth/session",
      "/auth/sessions",
      "/auth",
      "",
    ]) {
      expect(handler("GET", path), path).toBeNull();
    }
    expect(handler("GET", "/a.b")).toBe("dotted");
    expect(handler("GET", "/axb")).toBeNull();
  });

  it("matches the raw path, never decoded", () => {
    expect(handler("GET", "/%61uth/session")).toBeNull();
    expect(handler("GET", "/auth/sess%69on")).toBeNull();
    expect(handler("GET", "/auth/session%2F")).toBeNull();
  });

  it("answers HEAD with the GET routes, a method by its routes, ALL for any method", () => {
    expect(handler("HEAD", "/auth/session")).toBe("session");
    expect(handler("HEAD", "/auth/logout")).toBeNull();
    expect(handler("GET", "/auth/logout")).toBeNull();
    expect(handler("POST", "/auth/session")).toBe("shadowed by the GET route above for GET, not for POST");
    for (const method of ["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS"]) {
      expect(handler(method, "/instances/h.example/api/v1/x"), method).toBe("public");
    }
  });

  it("takes the first route that matches", () => {
    expect(handler("GET", "/auth/callback")).toBe("legacy callback");
    expect(handler("GET", "/auth/callback/")).toBe("legacy callback");
    expect(table("GET", "/auth/callback/h.example")?.pattern).toBe("/auth/callback/:host");
  });

  it("gives each :name one non-empty segment, percent-decoded, an invalid escape as sent", () => {
    expect(params("GET", "/auth/callback/h.example")).toEqual({ host: "h.example" });
    expect(params("GET", "/auth/callback/h.example/")).toEqual({ host: "h.example" });
    expect(handler("GET", "/auth/callback/h.example/more")).toBeNull();
    expect(params("POST", "/ops/instances/m%61stodon.social%3A443/%63heck")).toEqual({
      host: "mastodon.social:443",
      action: "check",
    });
    expect(params("POST", "/ops/instances/a%2Fb/c")).toEqual({ host: "a/b", action: "c" });
    expect(params("POST", "/ops/instances/a%zz%41/c")).toEqual({ host: "a%zz%41", action: "c" });
    expect(handler("POST", "/ops/instances//check")).toBeNull();
  });

  it("matches a /* pattern's prefix itself and anything below it, not a longer segment", () => {
    for (const path of ["/instances/h/api", "/instances/h/api/", "/instances/h/api/v1/statuses/1"]) {
      expect(table("GET", path)?.params, path).toEqual({ host: "h" });
    }
    expect(handler("GET", "/instances/h/apix")).toBeNull();
    expect(handler("GET", "/instances//api/v1")).toBeNull();
  });
});

describe("the app around the routes", () => {
  /** An app of `routes` (health: GET /health), the requests' failures told to `told`. */
  function app(routes: Route<AppHandler>[], told: unknown[] = []) {
    const open = routeTable<OpenHandler>([["GET", "/health", () => new Response("up")]]);
    return appHandler(
      {
        open,
        routes: routeTable(routes),
        onError: (error, _request, pattern) => {
          told.push([pattern, error instanceof Error ? error.message : error]);
          return undefined;
        },
      },
      false,
    );
  }

  async function call(
    fetch: ReturnType<typeof app>,
    path: string,
    init: RequestInit = {},
    vars: Partial<Env> = {},
  ) {
    const ctx = createExecutionContext();
    const res = await fetch(new Request(`${BFF}${path}`, init), { ...(env as Env), ...vars }, ctx);
    await waitOnExecutionContext(ctx);
    return res;
  }

  const hello: AppHandler = (c) => Response.json({ hello: c.params.name ?? "world" });

  it("hands a route the request, env, ctx, deps and its parameters", async () => {
    let seen: AppContext | undefined;
    const fetch = app([
      [
        "POST",
        "/x/:name",
        (c) => {
          seen = c;
          return new Response("ok");
        },
      ],
    ]);
    const res = await call(fetch, "/x/caf%C3%A9?q=1", { method: "POST" });
    expect(await res.text()).toBe("ok");
    expect(seen?.params).toEqual({ name: "café" });
    expect(seen?.request.url).toBe(`${BFF}/x/caf%C3%A9?q=1`);
    expect(seen?.deps.publicOrigin).toBe(BFF);
    expect(typeof seen?.ctx.waitUntil).toBe("function");
    expect(seen?.env.PUBLIC_URL).toBe(env.PUBLIC_URL);
  });

  it("answers HEAD as GET: the same status and headers, no body", async () => {
    const fetch = app([["GET", "/hello/:name", hello]]);
    const get = await call(fetch, "/hello/you");
    const head = await call(fetch, "/hello/you", { method: "HEAD" });
    expect(await get.json()).toEqual({ hello: "you" });
    expect(head.status).toBe(200);
    expect([...head.headers]).toEqual([...get.headers]);
    expect(head.body).toBeNull();
  });

  it("answers an unknown path and a known path's other method 404 not_found, secured", async () => {
    const fetch = app([["GET", "/hello", hello]]);
    for (const [method, path] of [
      ["GET", "/nope"],
      ["POST", "/hello"],
      ["DELETE", "/hello"],
    ] as const) {
      const res = await call(fetch, path, { method });
      expect(res.headers.get("x-frame-options")).toBe("DENY");
      expect(res.headers.get("strict-transport-security")).toBe(HSTS);
      await expectError(res, 404, "not_found");
    }
  });

  it("answers a route's BffError as its JSON error, with the CORS grant, and tells onError", async () => {
    const told: unknown[] = [];
    const fetch = app(
      [
        [
          "GET",
          "/fails",
          () => {
            throw new BffError("instance_timeout", "The instance did not answer in time.");
          },
        ],
      ],
      told,
    );
    const frontend = "https://app.example.com";
    const res = await call(
      fetch,
      "/fails",
      { headers: { origin: frontend } },
      { FRONTEND_ORIGINS: frontend },
    );
    expect(res.headers.get("access-control-allow-origin")).toBe(frontend);
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    await expectError(res, 504, "instance_timeout");
    expect(told).toEqual([["/fails", "The instance did not answer in time."]]);
  });

  it("answers any other exception, thrown or rejected, Error or not, 500 internal_error", async () => {
    const fetch = app([
      [
        "GET",
        "/sync",
        () => {
          throw new TypeError("secret detail");
        },
      ],
      ["GET", "/async", async () => Promise.reject(new RangeError("secret detail"))],
      [
        "GET",
        "/string",
        () => {
          throw "a thrown string";
        },
      ],
    ]);
    for (const path of ["/sync", "/async", "/string"]) {
      const res = await call(fetch, path);
      expect(await res.clone().text(), path).not.toContain("secret");
      expect(res.headers.get("x-frame-options"), path).toBe("DENY");
      await expectError(res, 500, "internal_error");
    }
  });

  it("answers even when the error hook throws", async () => {
    const fetch = appHandler(
      {
        open: routeTable<OpenHandler>([]),
        routes: routeTable<AppHandler>([["GET", "/fails", () => Promise.reject(new Error("route"))]]),
        onError: () => {
          throw new Error("hook");
        },
      },
      false,
    );
    const res = await call(fetch, "/fails");
    expect(res.headers.get("x-frame-options")).toBe("DENY");
    await expectError(res, 500, "internal_error");
  });

  it("answers open routes without the settings; the routes and the 404 need them", async () => {
    const told: unknown[] = [];
    const fetch = app([["GET", "/hello", hello]], told);
    const broken = { SCOPES: "everything" };
    const health = await call(fetch, "/health", {}, broken);
    expect(await health.text()).toBe("up");
    expect(health.headers.get("x-frame-options")).toBe("DENY");
    await expectError(await call(fetch, "/hello", {}, broken), 500, "misconfigured");
    await expectError(await call(fetch, "/nope", {}, broken), 500, "misconfigured");
    expect(told.map((t) => (t as unknown[])[0])).toEqual(["/hello", null]);
  });

  it("marks /auth answers no-store and leaves HSTS out in development", async () => {
    const fetch = app([
      ["GET", "/auth/x", () => new Response("private", { headers: { "cache-control": "max-age=60" } })],
    ]);
    const res = await call(fetch, "/auth/x", {}, { ENVIRONMENT: "development" });
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(res.headers.get("strict-transport-security")).toBeNull();
  });
});
