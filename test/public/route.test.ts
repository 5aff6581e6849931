import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Env } from "../../src/config/env.ts";
import { LOGIN_LIMIT as LOGIN_LIMIT_SETTING } from "../../src/http/rate-limit.ts";
import { APP_TOKEN_RENEW_INTERVAL } from "../../src/registry/keeping.ts";
import { BFF, send } from "../helpers/bff.ts";
import { travel } from "../helpers/clock.ts";
import { fakeState, injectFault, revokeAppTokens, uniqueHost } from "../helpers/fake.ts";

const publicEnv = { ...env, PUBLIC_PROXY: "true" } as Env;
/** Login starts per client IP per period, as deployed (held equal to wrangler.toml by rate-limit.test.ts). */
const LOGIN_LIMIT = LOGIN_LIMIT_SETTING.limit;

afterEach(() => vi.useRealTimers());

function call(path: string, init: RequestInit = {}, testEnv: Env = publicEnv): Promise<Response> {
  const headers = new Headers(init.headers);
  if (!headers.has("x-csrf")) headers.set("x-csrf", "1");
  return send(new Request(new URL(path, BFF), { ...init, headers, redirect: "manual" }), { env: testEnv });
}

describe("public endpoints with app tokens (PUBLIC_PROXY=true)", () => {
  it("serves a GoToSocial public timeline (which needs a token) with a cached app token", async () => {
    const host = uniqueHost("gts");
    const first = await call(`/instances/${host}/api/v1/timelines/public?limit=5`);
    expect(first.status).toBe(200);
    expect(first.headers.get("x-content-type-options")).toBe("nosniff");
    const statuses = (await first.json()) as unknown[];
    expect(statuses.length).toBeGreaterThan(0);
    const second = await call(`/instances/${host}/api/v1/accounts/lookup?acct=alice`);
    expect(second.status).toBe(200);
    const state = await fakeState(host);
    const grants = state.requests.filter((r) => r.path === "/oauth/token");
    expect(grants).toHaveLength(1);
    expect(state.requests.find((r) => r.path === "/api/v1/timelines/public")?.headers.authorization).toBe(
      "Bearer <redacted>",
    );
  });

  it("gets a new app token once when the instance rejects one older than the renewal interval", async () => {
    const host = uniqueHost("gts");
    expect((await call(`/instances/${host}/api/v1/timelines/public`)).status).toBe(200);
    expect((await revokeAppTokens(host)).revoked).toBe(1);
    travel(APP_TOKEN_RENEW_INTERVAL + 1);
    expect((await call(`/instances/${host}/api/v1/timelines/public`)).status).toBe(200);
    expect((await call(`/instances/${host}/api/v1/timelines/public`)).status).toBe(200);
    const grants = (await fakeState(host)).requests.filter((r) => r.path === "/oauth/token");
    expect(grants).toHaveLength(2);
  });

  it("mints no token for an endpoint that refuses a fresh one: its 401 is the answer", async () => {
    const host = uniqueHost("gts");
    expect((await call(`/instances/${host}/api/v1/instance`)).status).toBe(200);
    // GoToSocial refuses app tokens on the public timeline unless its admin allows them.
    await injectFault(host, { path: "/api/v1/timelines/public", kind: "status", status: 401 });
    for (let i = 0; i < 50; i++) {
      expect((await call(`/instances/${host}/api/v1/timelines/public`)).status).toBe(401);
    }
    const state = await fakeState(host);
    expect(state.requests.filter((r) => r.path === "/oauth/token")).toHaveLength(1);
    expect(state.tokensIssued).toBe(1);
  });

  it("brakes registrations on new hosts like login starts: one new host past the limit is refused", async () => {
    const headers = { "cf-connecting-ip": "203.0.113.77" };
    for (let i = 0; i < LOGIN_LIMIT; i++) {
      const res = await call(`/instances/${uniqueHost("mastodon")}/api/v1/instance`, { headers });
      expect(res.status).toBe(200);
    }
    const host = uniqueHost("mastodon");
    const refused = await call(`/instances/${host}/api/v1/instance`, { headers });
    expect(refused.status).toBe(429);
    expect(((await refused.json()) as { error: string }).error).toBe("rate_limited");
    expect((await fakeState(host)).registrations).toBe(0);
  });

  it("rewrites pagination links to the public route", async () => {
    const host = uniqueHost("mastodon");
    const res = await call(`/instances/${host}/api/v1/timelines/public?limit=2`);
    // The fake pages its public timeline (45 statuses, 2 per page): a next link always comes back.
    expect(res.status).toBe(200);
    expect(res.headers.get("link")).toContain(`${BFF}/instances/${host}/api/v1/timelines/public?`);
  });

  it("answers app verify_credentials with the app token", async () => {
    const res = await call(`/instances/${uniqueHost("mastodon")}/api/v1/apps/verify_credentials`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ name: "fedi-bff" });
  });

  it.each([
    "accounts/verify_credentials",
    "accounts/relationships",
    "accounts/familiar_followers",
    "accounts/search",
    "accounts/update_credentials",
  ])("refuses %s, which needs a user, although it looks like an account id", async (path) => {
    const host = uniqueHost("mastodon");
    const res = await call(`/instances/${host}/api/v1/${path}`);
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: string }).error).toBe("not_found");
    expect((await fakeState(host)).requests).toEqual([]);
  });

  it("refuses endpoints that are not public, writes, bad hosts and missing CSRF", async () => {
    const host = uniqueHost("mastodon");
    expect((await call(`/instances/${host}/api/v1/timelines/home`)).status).toBe(404);
    const write = await call(`/instances/${host}/api/v1/statuses`, { method: "POST", body: "status=x" });
    expect(write.status).toBe(405);
    const ip = await call("/instances/127.0.0.1/api/v1/timelines/public");
    expect(ip.status).toBe(400);
    expect(await ip.json()).toMatchObject({ error: "invalid_instance" });
    const encoded = await call(`/instances/${host}/api/v1/statuses/%2e%2e%2f%2e%2e%2foauth%2ftoken`);
    expect(encoded.status).toBe(400);
    expect(await encoded.json()).toMatchObject({ error: "invalid_path" });
    const csrf = await call(`/instances/${host}/api/v1/timelines/public`, { headers: { "x-csrf": "0" } });
    expect(csrf.status).toBe(403);
    expect((await fakeState(host)).requests).toHaveLength(0);
  });

  it("is off unless PUBLIC_PROXY=true", async () => {
    const res = await call(`/instances/${uniqueHost("mastodon")}/api/v1/timelines/public`, {}, env as Env);
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: "not_found" });
  });
});
