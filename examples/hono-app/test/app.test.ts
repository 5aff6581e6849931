import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { createFediBff, type FediBffEnv } from "fedi-bff";
import { createClient, FediBffError } from "fedi-bff/client";
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import worker from "../src/index";

const ORIGIN = "https://client.example.com";

type Handler = {
  fetch(request: Request, env: FediBffEnv, ctx: ExecutionContext): Response | Promise<Response>;
};

async function call(
  path: string,
  init?: RequestInit,
  bindings: FediBffEnv = env,
  handler: Handler = worker,
): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await handler.fetch(new Request(`${ORIGIN}${path}`, init), bindings, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

async function expectError(res: Response, status: number, code: string): Promise<void> {
  expect(res.status).toBe(status);
  expect(res.headers.get("content-type")).toMatch(/^application\/json/);
  expect(((await res.json()) as { error: string }).error).toBe(code);
}

describe("the app's own routes", () => {
  it("serves its home page, without fedi-bff's headers", async () => {
    const res = await call("/");
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("My fediverse client");
    expect(res.headers.get("x-frame-options")).toBeNull();
  });

  it("sees fedi-bff's settings as valid", async () => {
    expect(await (await call("/health")).json()).toEqual({ ok: true, settings: true });
  });

  it("answers its own 404 for paths fedi-bff does not own", async () => {
    const res = await call("/nothing-here");
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).not.toMatch(/json/);
  });

  it("gets its home page when the query names one of fedi-bff's paths", async () => {
    const res = await call("/?next=/auth/login");
    expect(await res.text()).toContain("My fediverse client");
  });
});

describe("fedi-bff in front of the app", () => {
  it("answers a proxied call without a session with its JSON 401", async () => {
    const res = await call("/api/v1/timelines/home", { headers: { "x-csrf": "1" } });
    await expectError(res, 401, "not_authenticated");
    expect(res.headers.get("x-frame-options")).toBe("DENY");
  });

  it("answers an unknown /auth/ path with its JSON 404", async () => {
    await expectError(await call("/auth/nope"), 404, "not_found");
  });

  it("refuses a login to a loopback instance (the host check runs)", async () => {
    const res = await call("/auth/login", {
      method: "POST",
      headers: {
        origin: ORIGIN,
        "sec-fetch-site": "same-origin",
        "content-type": "application/x-www-form-urlencoded",
      },
      body: "instance=127.0.0.1",
    });
    await expectError(res, 400, "invalid_instance");
  });

  it("fails closed with 500 misconfigured when a setting is wrong", async () => {
    const res = await call("/auth/session", undefined, { ...env, SESSION_KEYS: "too-short" });
    await expectError(res, 500, "misconfigured");
  });
});

describe("fedi-bff mounted as Hono middleware (the other way, through the app's router)", () => {
  const bff = createFediBff();
  const app = new Hono<{ Bindings: FediBffEnv }>();
  app.use(bff.middleware);
  app.get("/", (c) => c.text("the app"));

  it("answers fedi-bff's paths and leaves the rest to the app", async () => {
    await expectError(await call("/auth/session", undefined, env, app), 401, "not_authenticated");
    await expectError(
      await call("/api/v1/timelines/home", { headers: { "x-csrf": "1" } }, env, app),
      401,
      "not_authenticated",
    );
    expect(await (await call("/", undefined, env, app)).text()).toBe("the app");
  });
});

describe("createFediBff", () => {
  it("lists every problem of env and options together", () => {
    const bff = createFediBff({ sessionTtl: -1 });
    const problems = bff.check({ ...env, SESSION_KEYS: "", PUBLIC_URL: "http://client.example.com" });
    expect(problems).toHaveLength(3);
    expect(problems.join("\n")).toMatch(/SESSION_KEYS/);
    expect(problems.join("\n")).toMatch(/PUBLIC_URL/);
    expect(problems.join("\n")).toMatch(/SESSION_TTL/);
  });

  it("throws at once on an option of the wrong type, naming each", () => {
    const wrong = { sessionTtl: "1 day", publicProxy: "yes" } as unknown as Parameters<
      typeof createFediBff
    >[0];
    expect(() => createFediBff(wrong)).toThrow(/sessionTtl: .*publicProxy: /);
  });
});

describe("fedi-bff/client against the mounted app", () => {
  // The browser client from the same package; its fetch reaches the app in-process. workerd's
  // Request takes no `credentials` (a browser's does), so the test drops it on the way in.
  const client = createClient({
    baseUrl: ORIGIN,
    fetch: (url, { credentials: _, ...init }) => call(new URL(url).pathname + new URL(url).search, init),
  });

  it("sees no session before a login", async () => {
    expect(await client.session()).toBeNull();
  });

  it("surfaces fedi-bff's error code on an API call without a session", async () => {
    const error = await client.api("/api/v1/timelines/home").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FediBffError);
    expect({ status: (error as FediBffError).status, code: (error as FediBffError).code }).toEqual({
      status: 401,
      code: "not_authenticated",
    });
  });
});
