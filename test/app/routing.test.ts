/**
 * What the standalone Worker's router answers, as a client sees it: HEAD, trailing slashes, a
 * wrong method, percent-encoded paths and parameters, and the order of its middleware (security
 * headers and CORS on every answer, health before the settings are read, errors as JSON).
 */
import { describe, expect, it } from "vitest";
import { createFediBff } from "../../src/fedi-bff.ts";
import { FRONTEND_REQUEST_HEADERS } from "../../src/middleware/cors.ts";
import { HSTS } from "../../src/middleware/security-headers.ts";
import { ADMIN_ENV, TOKEN } from "../admin/support.ts";
import { BFF, bff, expectError } from "../helpers/bff.ts";
import { uniqueHost } from "../helpers/fake.ts";

const FRONTEND = "https://app.example.com";
const WITH_FRONTEND = { FRONTEND_ORIGINS: FRONTEND };
/** A setting no deployment accepts: every answer that needs the settings is 500 misconfigured. */
const MISCONFIGURED = { SCOPES: "everything" };
const AS_OPERATOR = { authorization: `Bearer ${TOKEN}` };

/** The error description of a JSON error answer. */
async function described(res: Response): Promise<string> {
  return ((await res.json()) as { error_description: string }).error_description;
}

describe("HEAD", () => {
  it("is answered like GET, with the same status and headers and no body", async () => {
    const get = await bff("/auth/session");
    const head = await bff("/auth/session", { method: "HEAD" });
    expect(head.status).toBe(401);
    expect([...head.headers]).toEqual([...get.headers]);
    expect(await head.text()).toBe("");
  });

  it("reaches the health routes, which read no settings", async () => {
    const head = await bff("/_fedi-bff/live", { method: "HEAD", env: MISCONFIGURED });
    expect(head.status).toBe(200);
    expect(head.headers.get("cache-control")).toBe("no-store");
    expect(await head.text()).toBe("");
  });

  it("on a POST-only route or an unknown path is a 404 without a body", async () => {
    for (const path of ["/auth/logout", "/auth/nope", "/nope"]) {
      const head = await bff(path, { method: "HEAD" });
      expect(head.status, path).toBe(404);
      expect(head.headers.get("fedi-bff-error"), path).toBe("1");
      expect(await head.text(), path).toBe("");
    }
  });
});

describe("paths", () => {
  it("may end in one slash: /auth/session/ is /auth/session", async () => {
    await expectError(await bff("/auth/session/"), 401, "not_authenticated");
    expect((await bff("/_fedi-bff/live/")).status).toBe(200);
    const host = uniqueHost("mastodon");
    const start = await bff(`/auth/login/?instance=${host}`);
    expect(start.status).toBe(302);
    expect(new URL(start.headers.get("location") ?? "").host).toBe(host);
  });

  it("match segment by segment and case by case: no empty segment, no extra one", async () => {
    for (const path of [
      "/auth/session//",
      "/auth//session",
      "/AUTH/session",
      "/auth/session%2F",
      "/auth/callback/mastodon.social/more",
      "/auth/sessions",
    ]) {
      await expectError(await bff(path), 404, "not_found");
    }
  });

  it("under /api, /api itself included, are the API proxy's", async () => {
    await expectError(await bff("/api"), 400, "invalid_path");
    await expectError(await bff("/apix"), 404, "not_found");
  });
});

describe("a known path with another method", () => {
  it("is 404 not_found (no 405), like an unknown path", async () => {
    for (const [method, path] of [
      ["POST", "/auth/session"],
      ["GET", "/auth/logout"],
      ["GET", "/auth/switch"],
      ["PUT", "/auth/login"],
      ["DELETE", "/auth/session"],
      ["POST", "/_fedi-bff/live"],
      ["OPTIONS", "/auth/session"],
    ] as const) {
      await expectError(await bff(path, { method }), 404, "not_found");
    }
  });
});

describe("percent-encoding", () => {
  it("is decoded in a route's parameters, and an invalid escape is kept as sent", async () => {
    const encoded = await bff("/_fedi-bff/instances/m%61stodon.social%3A443", {
      headers: AS_OPERATOR,
      env: ADMIN_ENV,
    });
    expect(encoded.status).toBe(400);
    expect(await described(encoded)).toContain('"mastodon.social:443"');
    const invalid = await bff("/_fedi-bff/instances/a%zzb", { headers: AS_OPERATOR, env: ADMIN_ENV });
    expect(invalid.status).toBe(400);
    expect(await described(invalid)).toContain('"a%zzb"');
    const slash = await bff("/_fedi-bff/instances/a%2Fb", { headers: AS_OPERATOR, env: ADMIN_ENV });
    expect(await described(slash)).toContain('"a/b"');
  });

  it("is decoded in the action of an operator's repair", async () => {
    const post = (action: string) =>
      bff(`/_fedi-bff/instances/x.example/${action}`, {
        method: "POST",
        headers: AS_OPERATOR,
        env: ADMIN_ENV,
      });
    // The action is accepted, then the host refused: the action was read as "check".
    await expectError(await post("%63heck"), 400, "invalid_instance");
    await expectError(await post("%63heckx"), 404, "not_found");
  });

  it("in the path itself is not decoded: such a path is no route of fedi-bff's", async () => {
    // Read as sent, as handles(), the self-hosted front and the API's fast path read it, and as
    // the routes that read the raw URL (the callback, the public proxy) read it.
    const paths = [
      "/%61uth/session",
      "/%61uth/login?instance=mastodon.social",
      "/auth/%73ession",
      "/%61pi/v1/timelines/home",
      "/%69nstances/mastodon.social/api/v1/instance",
    ];
    for (const path of paths) {
      await expectError(await bff(path, { headers: { "x-csrf": "1" } }), 404, "not_found");
      expect(createFediBff().handles(`${BFF}${path}`), path).toBe(path.startsWith("/auth/"));
    }
  });
});

describe("the middleware's order", () => {
  it("puts the security headers on a 404, with HSTS outside development", async () => {
    const res = await bff("/nope");
    await expectError(res.clone(), 404, "not_found");
    expect(res.headers.get("x-frame-options")).toBe("DENY");
    expect(res.headers.get("content-security-policy")).toBe("frame-ancestors 'none'");
    expect(res.headers.get("strict-transport-security")).toBe(HSTS);
  });

  it("answers health before reading the settings, everything else 500 misconfigured", async () => {
    expect((await bff("/_fedi-bff/live", { env: MISCONFIGURED })).status).toBe(200);
    for (const path of ["/auth/session", "/nope", "/_fedi-bff/instances"]) {
      const res = await bff(path, { env: MISCONFIGURED });
      await expectError(res.clone(), 500, "misconfigured");
      expect(res.headers.get("x-frame-options"), path).toBe("DENY");
      expect(res.headers.get("strict-transport-security"), path).toBe(HSTS);
    }
  });

  it("answers a preflight on any of its paths before routing, and only for a listed origin", async () => {
    const preflight = (origin: string, path: string) =>
      bff(path, {
        method: "OPTIONS",
        headers: { origin, "access-control-request-method": "POST" },
        env: WITH_FRONTEND,
      });
    for (const path of ["/auth/logout", "/nope"]) {
      const granted = await preflight(FRONTEND, path);
      expect(granted.status, path).toBe(204);
      expect(granted.headers.get("access-control-allow-origin")).toBe(FRONTEND);
      expect(granted.headers.get("access-control-allow-headers")).toBe(FRONTEND_REQUEST_HEADERS.join(", "));
      expect(granted.headers.get("x-frame-options")).toBe("DENY");
      await expectError(await preflight("https://evil.example", path), 403, "forbidden_origin");
    }
  });

  it("grants a listed origin its answers, errors and 404s included", async () => {
    for (const [path, status, code] of [
      ["/auth/session", 401, "not_authenticated"],
      ["/nope", 404, "not_found"],
      ["/auth/login?instance=not%20a%20host", 400, "invalid_instance"],
    ] as const) {
      const res = await bff(path, { headers: { origin: FRONTEND, "x-csrf": "1" }, env: WITH_FRONTEND });
      expect(res.headers.get("access-control-allow-origin"), path).toBe(FRONTEND);
      expect(res.headers.get("vary"), path).toBe("origin");
      await expectError(res, status, code);
    }
  });

  it("marks every /auth answer no-store, redirects included", async () => {
    const start = await bff(`/auth/login?instance=${uniqueHost("mastodon")}`);
    expect(start.status).toBe(302);
    expect(start.headers.get("cache-control")).toBe("no-store");
  });
});
