import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { UpstreamContext } from "../../src/http/upstream.ts";
import { conventionalEndpoints } from "../../src/instance/discovery.ts";
import { registerApp } from "../../src/oauth/register.ts";
import { appKvKey } from "../../src/registry/storage-keys.ts";
import { BFF, bff, CookieJar } from "../helpers/bff.ts";
import { EventualKv } from "../helpers/eventual-kv.ts";
import { approve, deleteApp, fakeState, injectFault, uniqueHost } from "../helpers/fake.ts";

const PRODUCTION_LIKE = { missTtlMs: 60_000, propagationMs: 60_000 };

/** fedi-bff with the Worker's KV reads going through `kv` (the Durable Object keeps the real one). */
function bffWith(kv: EventualKv) {
  return (path: string, jar: CookieJar) => bff(path, { jar, env: { APPS: kv.namespace } });
}

async function login(call: ReturnType<typeof bffWith>, host: string) {
  const jar = new CookieJar();
  const start = await call(`/auth/login?instance=${host}`, jar);
  expect(start.status).toBe(302);
  const back = await approve(start.headers.get("location") ?? "", { user: "alice" });
  return call(back.pathname + back.search, jar);
}

/** The design this issue replaces, run against the same production-like KV. */
async function naiveRegistration(kv: EventualKv, host: string): Promise<string> {
  const key = appKvKey(host, "naive");
  const cached = await kv.get(key);
  if (cached !== null) return cached;
  const ctx: UpstreamContext = { fetch: (i, init) => fetch(i, init), userAgent: "naive/1", timeoutMs: 5000 };
  const { clientId } = await registerApp(ctx, {
    endpoint: conventionalEndpoints(`https://${host}`).register,
    host,
    redirectUri: `${BFF}/auth/callback`,
    scopes: "read",
    appName: "naive",
    appWebsite: null,
  });
  await kv.put(key, clientId);
  return clientId;
}

describe("registrations on eventually consistent KV", () => {
  it("shows the old design registering once per login within a minute", async () => {
    const host = uniqueHost("mastodon");
    const kv = new EventualKv(env.APPS, PRODUCTION_LIKE);
    for (let i = 0; i < 5; i++) await naiveRegistration(kv, host);
    expect((await fakeState(host)).registrations).toBe(5);
  });

  it("registers exactly once for 20 logins within a minute", async () => {
    const host = uniqueHost("mastodon");
    const call = bffWith(new EventualKv(env.APPS, PRODUCTION_LIKE));
    for (let i = 0; i < 20; i++) {
      const done = await login(call, host);
      expect(done.headers.get("location")).toBe("/");
    }
    expect((await fakeState(host)).registrations).toBe(1);
  });

  it("completes 50 concurrent first logins with one registration", async () => {
    const host = uniqueHost("gts");
    const call = bffWith(new EventualKv(env.APPS, PRODUCTION_LIKE));
    const results = await Promise.all(Array.from({ length: 50 }, () => login(call, host)));
    expect(results.map((r) => r.headers.get("location"))).toEqual(Array(50).fill("/"));
    expect((await fakeState(host)).registrations).toBe(1);
  });

  it("reads KV once and skips the Durable Object when the registration is visible", async () => {
    const host = uniqueHost("mastodon");
    const kv = new EventualKv(env.APPS, { missTtlMs: 0, propagationMs: 0 });
    const call = bffWith(kv);
    await call(`/auth/login?instance=${host}`, new CookieJar());
    const before = kv.counts.get;
    const start = await call(`/auth/login?instance=${host}`, new CookieJar());
    expect(start.status).toBe(302);
    expect(kv.counts.get - before).toBe(1);
    expect(kv.counts.put).toBe(0);
  });

  it("backs off after a 429 without asking the instance again", async () => {
    const host = uniqueHost("mastodon");
    await injectFault(`https://${host}`, { path: "/api/v1/apps", kind: "rate_limit", times: 1 });
    const call = bffWith(new EventualKv(env.APPS, PRODUCTION_LIKE));
    for (let i = 0; i < 3; i++) {
      const res = await call(`/auth/login?instance=${host}`, new CookieJar());
      expect(res.status).toBe(429);
      expect(await res.json()).toMatchObject({ error: "registration_rate_limited" });
      expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(60);
    }
    const posts = (await fakeState(host)).requests.filter((r) => r.path === "/api/v1/apps");
    expect(posts).toHaveLength(1);
  });

  it("replaces a dead registration once when two callbacks both meet invalid_client", async () => {
    const host = uniqueHost("mastodon");
    const call = bffWith(new EventualKv(env.APPS, PRODUCTION_LIKE));
    const jars = [new CookieJar(), new CookieJar()];
    const starts = await Promise.all(jars.map((jar) => call(`/auth/login?instance=${host}`, jar)));
    const backs = await Promise.all(
      starts.map((s) => approve(s.headers.get("location") ?? "", { user: "alice" })),
    );
    const clientId = new URL(starts[0]?.headers.get("location") ?? "").searchParams.get("client_id") ?? "";
    await deleteApp(`https://${host}`, clientId);
    const restarts = await Promise.all(
      backs.map((back, i) => call(back.pathname + back.search, jars[i] as CookieJar)),
    );
    const clients = restarts.map((r) =>
      new URL(r.headers.get("location") ?? "").searchParams.get("client_id"),
    );
    expect(clients[0]).toBe(clients[1]);
    expect(clients[0]).not.toBe(clientId);
    expect((await fakeState(host)).registrations).toBe(2);
  });
});
