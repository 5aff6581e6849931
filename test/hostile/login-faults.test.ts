import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Env } from "../../src/config/env.ts";
import { appKvPrefix } from "../../src/registry/storage-keys.ts";
import { bff, CookieJar, expectError } from "../helpers/bff.ts";
import { travel } from "../helpers/clock.ts";
import {
  approve,
  type Fault,
  fakeState,
  injectFault,
  UNKNOWN_CLIENT_AT_TOKEN,
  uniqueHost,
} from "../helpers/fake.ts";

const APPS = "/api/v1/apps";

afterEach(() => vi.useRealTimers());

/** Gives the host's Registrar (the Durable Object that registers) a modified env, e.g. a short timeout. */
async function registrarEnv(host: string, overrides: Partial<Env>): Promise<void> {
  const stub = env.REGISTRAR.get(env.REGISTRAR.idFromName(host));
  await runInDurableObject(stub, (instance) => {
    const object = instance as unknown as { env: Env };
    object.env = { ...object.env, ...overrides };
  });
}

/** What the host's Registrar holds: current registrations and back-off records. */
async function registrarKeys(host: string): Promise<string[]> {
  const stub = env.REGISTRAR.get(env.REGISTRAR.idFromName(host));
  return runInDurableObject(stub, async (_, state) => [...(await state.storage.list()).keys()]);
}

async function kvKeys(host: string): Promise<string[]> {
  return (await env.APPS.list({ prefix: appKvPrefix(host) })).keys.map((k) => k.name);
}

async function posts(host: string, path = APPS): Promise<number> {
  return (await fakeState(host)).requests.filter((r) => r.method === "POST" && r.path === path).length;
}

/**
 * Registers (and anchors, with an app token from the token endpoint) the app on `host`, so that a
 * fault injected next hits the code exchange.
 */
async function registered(host: string): Promise<void> {
  expect((await bff(`/auth/login?instance=${host}`)).status).toBe(302);
}

/** Login start → consent → callback; returns the callback answer. */
async function wholeLogin(host: string, envOverrides: Partial<Env> = {}) {
  const jar = new CookieJar();
  const start = await bff(`/auth/login?instance=${host}&return_to=/app`, { jar, env: envOverrides });
  expect(start.status).toBe(302);
  const authorize = new URL(start.headers.get("location") ?? "");
  const back = await approve(authorize.href);
  const callback = await bff(back.pathname + back.search, { jar, env: envOverrides });
  return { jar, authorize, callback };
}

const OTHER = uniqueHost("mastodon");

describe("faults at app registration (POST /api/v1/apps)", () => {
  const cases: [string, Omit<Fault, "path">, number, string][] = [
    ["a hung connection", { kind: "hang" }, 504, "instance_timeout"],
    // A lost connection is sent once more (a duplicate registration is harmless): reset twice.
    ["a connection reset", { kind: "reset", times: 2 }, 502, "instance_unreachable"],
    ["500 with JSON", { kind: "status", status: 500, body: { error: "boom" } }, 502, "registration_failed"],
    // A proxy whose server is down: unreachable, not a refusal.
    ["502 with an HTML body", { kind: "status", status: 502 }, 502, "instance_unreachable"],
    // A web server, not a Mastodon-API server ("Welcome to nginx!").
    ["200 with an HTML body", { kind: "html200" }, 422, "unsupported_instance"],
    ["truncated JSON", { kind: "truncated_json" }, 502, "registration_failed"],
    ["10 MB of JSON", { kind: "huge_json" }, 502, "registration_failed"],
    ["no client_id", { kind: "drop_field", field: "client_id" }, 502, "registration_failed"],
    ["no client_secret", { kind: "drop_field", field: "client_secret" }, 502, "registration_failed"],
    ["429 with Retry-After", { kind: "rate_limit" }, 429, "registration_rate_limited"],
    [
      "404 (no Mastodon API)",
      { kind: "status", status: 404, body: { error: "Not found" } },
      422,
      "unsupported_instance",
    ],
    [
      "a redirect to another host",
      { kind: "redirect", location: `https://${OTHER}${APPS}` },
      502,
      "registration_failed",
    ],
    [
      "a TLS-less redirect to itself",
      { kind: "redirect", location: "http://HOST/api/v1/apps" },
      502,
      "registration_failed",
    ],
    [
      "a redirect to loopback",
      { kind: "redirect", location: "http://127.0.0.1/api/v1/apps" },
      502,
      "registration_failed",
    ],
  ];

  it.each(cases)(
    "answers %s with the named error, stores nothing, backs off, and recovers with exactly one registration",
    async (_, fault, status, code) => {
      const host = uniqueHost("mastodon");
      await registrarEnv(host, { UPSTREAM_TIMEOUT: "1" });
      const location = fault.location?.replace("HOST", host);
      const attempts = fault.times ?? 1;
      await injectFault(host, {
        ...fault,
        ...(location ? { location } : {}),
        path: APPS,
        method: "POST",
        times: attempts,
      });
      const first = await bff(`/auth/login?instance=${host}`);
      const retryAfter = Number(first.headers.get("retry-after"));
      await expectError(first, status, code);
      expect(retryAfter).toBeGreaterThan(0);
      // The instance's own Retry-After (the fake's 429 says 120) wins over the BFF's back-off.
      expect(retryAfter === 120, `Retry-After ${retryAfter}`).toBe(fault.kind === "rate_limit");
      // Nothing half-written: no registration in KV or in the Durable Object, only a back-off.
      expect(await kvKeys(host)).toEqual([]);
      expect((await registrarKeys(host)).filter((k) => !k.startsWith("backoff:"))).toEqual([]);
      // The back-off holds: the instance is not asked again.
      await expectError(await bff(`/auth/login?instance=${host}`), status, code);
      expect(await posts(host)).toBe(attempts);
      // Once it passes, one new registration and a complete login.
      const registeredBefore = (await fakeState(host)).registrations;
      travel(retryAfter + 1);
      const { callback } = await wholeLogin(host);
      expect(callback.headers.get("location")).toBe("/app");
      expect(await posts(host)).toBe(attempts + 1);
      expect((await fakeState(host)).registrations).toBe(registeredBefore + 1);
      expect(await kvKeys(host)).toHaveLength(1);
      expect((await fakeState(OTHER)).requests).toEqual([]);
    },
  );
});

describe("faults in optional discovery documents", () => {
  it.each([
    ["/.well-known/oauth-authorization-server", { kind: "hang" }],
    ["/.well-known/oauth-authorization-server", { kind: "html200" }],
    ["/.well-known/oauth-authorization-server", { kind: "huge_json" }],
    ["/.well-known/oauth-authorization-server", { kind: "truncated_json" }],
    ["/.well-known/oauth-authorization-server", { kind: "redirect", location: `https://${OTHER}/x` }],
    ["/.well-known/nodeinfo", { kind: "status", status: 500 }],
    ["/.well-known/nodeinfo", { kind: "redirect", location: "http://127.0.0.1/nodeinfo" }],
    ["/api/v2/instance", { kind: "huge_json" }],
    ["/api/v2/instance", { kind: "reset" }],
  ] as [string, Omit<Fault, "path">][])(
    "falls back past a fault at %s (%o) and logs in",
    async (path, fault) => {
      const host = uniqueHost("mastodon");
      await registrarEnv(host, { UPSTREAM_TIMEOUT: "1" });
      await injectFault(host, { ...fault, path });
      const { authorize, callback } = await wholeLogin(host);
      expect(authorize.origin).toBe(`https://${host}`);
      expect(callback.headers.get("location")).toBe("/app");
      expect((await fakeState(host)).registrations).toBe(1);
      expect((await fakeState(OTHER)).requests).toEqual([]);
    },
  );
});

describe("faults at the token endpoint (POST /oauth/token)", () => {
  const cases: [string, Omit<Fault, "path">, string][] = [
    ["a hung connection", { kind: "hang" }, "instance_timeout"],
    ["a connection reset", { kind: "reset" }, "instance_unreachable"],
    ["500", { kind: "status", status: 500, body: { error: "boom" } }, "token_exchange_failed"],
    ["502 with an HTML body", { kind: "status", status: 502 }, "token_exchange_failed"],
    ["200 with an HTML body", { kind: "html200" }, "token_exchange_failed"],
    ["truncated JSON", { kind: "truncated_json" }, "token_exchange_failed"],
    ["10 MB of JSON", { kind: "huge_json" }, "token_exchange_failed"],
    ["no access_token", { kind: "drop_field", field: "access_token" }, "token_exchange_failed"],
    [
      "invalid_grant",
      { kind: "status", status: 400, body: { error: "invalid_grant" } },
      "token_exchange_failed",
    ],
    ["429 with Retry-After", { kind: "rate_limit" }, "token_exchange_failed"],
    [
      "a redirect to another host",
      { kind: "redirect", location: `https://${OTHER}/oauth/token` },
      "token_exchange_failed",
    ],
  ];

  it.each(cases)(
    "sends %s back to return_to as auth_error, sets no session, and the next login works",
    async (_, fault, code) => {
      const host = uniqueHost("mastodon");
      await registered(host);
      await injectFault(host, { ...fault, path: "/oauth/token", method: "POST", times: 1 });
      const { jar, callback } = await wholeLogin(host, { UPSTREAM_TIMEOUT: "1" });
      expect(callback.status).toBe(302);
      expect(callback.headers.get("location")).toBe(`/app?auth_error=${code}`);
      expect(jar.cookies.has("__Host-fedi-bff-session")).toBe(false);
      expect(callback.headers.get("set-cookie") ?? "").not.toMatch(/__Host-fedi-bff-session=[^;]/);
      const again = await wholeLogin(host);
      expect(again.callback.headers.get("location")).toBe("/app");
      expect((await fakeState(host)).registrations).toBe(1);
      expect((await fakeState(OTHER)).requests).toEqual([]);
    },
  );

  it("replaces a registration the instance calls invalid_client, once, and completes the login", async () => {
    const host = uniqueHost("mastodon");
    await registered(host);
    await injectFault(host, { ...UNKNOWN_CLIENT_AT_TOKEN, times: 1 });
    const { jar, authorize, callback } = await wholeLogin(host);
    const again = new URL(callback.headers.get("location") ?? "");
    expect(again.origin + again.pathname).toBe(`https://${host}/oauth/authorize`);
    expect(again.searchParams.get("client_id")).not.toBe(authorize.searchParams.get("client_id"));
    const back = await approve(again.href);
    const done = await bff(back.pathname + back.search, { jar });
    expect(done.headers.get("location")).toBe("/app");
    expect((await fakeState(host)).registrations).toBe(2);
    expect(await kvKeys(host)).toHaveLength(1);
  });

  it("gives up with token_exchange_failed when the fresh registration is refused too (no loop)", async () => {
    const host = uniqueHost("mastodon");
    await injectFault(host, UNKNOWN_CLIENT_AT_TOKEN);
    const { jar, callback } = await wholeLogin(host);
    const back = await approve(callback.headers.get("location") ?? "");
    const done = await bff(back.pathname + back.search, { jar });
    expect(done.headers.get("location")).toBe("/app?auth_error=token_exchange_failed");
    expect((await fakeState(host)).registrations).toBe(2);
  });
});

describe("faults at verify_credentials (the request carries the new token)", () => {
  const cases: [string, Omit<Fault, "path">, string][] = [
    ["a hung connection", { kind: "hang" }, "instance_timeout"],
    ["500", { kind: "status", status: 500, body: { error: "boom" } }, "account_lookup_failed"],
    ["200 with an HTML body", { kind: "html200" }, "account_lookup_failed"],
    ["10 MB of JSON", { kind: "huge_json" }, "account_lookup_failed"],
    ["truncated JSON", { kind: "truncated_json" }, "account_lookup_failed"],
    ["no id", { kind: "drop_field", field: "id" }, "account_lookup_failed"],
    [
      "a redirect to another host",
      { kind: "redirect", location: `https://${OTHER}/api/v1/accounts/verify_credentials` },
      "account_lookup_failed",
    ],
  ];

  it.each(cases)(
    "sends %s back as auth_error, never forwards the token elsewhere, and revokes it",
    async (_, fault, code) => {
      const host = uniqueHost("mastodon");
      await injectFault(host, { ...fault, path: "/api/v1/accounts/verify_credentials", times: 1 });
      const { jar, callback } = await wholeLogin(host, { UPSTREAM_TIMEOUT: "1" });
      expect(callback.headers.get("location")).toBe(`/app?auth_error=${code}`);
      expect(jar.cookies.has("__Host-fedi-bff-session")).toBe(false);
      expect((await fakeState(OTHER)).requests).toEqual([]);
      // A token nobody holds must not stay valid on the instance.
      const state = await fakeState(host);
      expect({ liveUserTokens: state.liveUserTokens, revoked: state.revokedTokens }).toEqual({
        liveUserTokens: 0,
        revoked: 1,
      });
      const again = await wholeLogin(host);
      expect(again.callback.headers.get("location")).toBe("/app");
    },
  );
});
