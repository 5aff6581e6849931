import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Env } from "../../src/config/env.ts";
import { appKvPrefix } from "../../src/registry/storage-keys.ts";
import { bff, CookieJar, expectError, fullLogin, startLogin } from "../helpers/bff.ts";
import { approve, fakeState, uniqueHost } from "../helpers/fake.ts";
import { countingKv, countingRegistrar, recordOutbound } from "./support.ts";

async function kvKeys(host: string): Promise<string[]> {
  return (await env.APPS.list({ prefix: appKvPrefix(host) })).keys.map((k) => k.name);
}

describe("KV and Durable Object faults in the login flow", () => {
  it("answers 503 storage_unavailable when KV throws on the login's read, before contacting anyone", async () => {
    const outbound = recordOutbound();
    try {
      const kv = countingKv(true);
      for (const host of [uniqueHost("mastodon"), uniqueHost("gts")]) {
        const res = await bff(`/auth/login?instance=${host}`, { env: { APPS: kv.kv } });
        await expectError(res, 503, "storage_unavailable");
      }
      expect(kv.calls).toHaveLength(2);
      expect(outbound.urls()).toEqual([]);
    } finally {
      outbound.stop();
    }
  });

  it("answers 503 storage_unavailable for a cached instance too (the read is needed)", async () => {
    const host = uniqueHost("mastodon");
    await startLogin(host, new CookieJar());
    const res = await bff(`/auth/login?instance=${host}`, { env: { APPS: countingKv(true).kv } });
    await expectError(res, 503, "storage_unavailable");
  });

  it("answers 503 storage_unavailable when the registrar Durable Object cannot be reached", async () => {
    const res = await bff(`/auth/login?instance=${uniqueHost("mastodon")}`, {
      env: { REGISTRAR: countingRegistrar(true).ns },
    });
    await expectError(res, 503, "storage_unavailable");
  });

  it("completes a callback while KV throws (the client is found through the Durable Object)", async () => {
    const host = uniqueHost("mastodon");
    const jar = new CookieJar();
    const authorize = await startLogin(host, jar, "/app");
    const back = await approve(authorize.href);
    const res = await bff(back.pathname + back.search, { jar, env: { APPS: countingKv(true).kv } });
    expect(res.headers.get("location")).toBe("/app");
    expect(jar.cookies.has("__Host-fedi-bff-session")).toBe(true);
  });

  it("sends a callback back with auth_error=storage_unavailable when KV and the Durable Object both fail", async () => {
    const jar = new CookieJar();
    const authorize = await startLogin(uniqueHost("mastodon"), jar, "/app");
    const back = await approve(authorize.href);
    const res = await bff(back.pathname + back.search, {
      jar,
      env: { APPS: countingKv(true).kv, REGISTRAR: countingRegistrar(true).ns },
    });
    expect(res.headers.get("location")).toBe("/app?auth_error=storage_unavailable");
  });

  it("never fails a login on a failed KV write (the registrar keeps the registration)", async () => {
    const host = uniqueHost("mastodon");
    const failing = countingKv(true);
    const stub = env.REGISTRAR.get(env.REGISTRAR.idFromName(host));
    await runInDurableObject(stub, (instance) => {
      const object = instance as unknown as { env: Env };
      object.env = { ...object.env, APPS: failing.kv };
    });
    const first = await fullLogin(host);
    expect(first.callback.headers.get("location")).toBe("/");
    expect(failing.calls.filter((c) => c.startsWith("put "))).toHaveLength(1);
    expect(await kvKeys(host)).toEqual([]);
    const second = await fullLogin(host);
    expect(second.callback.headers.get("location")).toBe("/");
    expect((await fakeState(host)).registrations).toBe(1);
  });
});

describe("the proxy and logout with storage down", () => {
  it("proxies API calls with KV and the Durable Object both failing, touching neither", async () => {
    const { jar } = await fullLogin(uniqueHost("mastodon"));
    const kv = countingKv(true);
    const registrar = countingRegistrar(true);
    for (const path of [
      "/api/v1/timelines/home",
      "/api/v1/accounts/verify_credentials",
      "/api/v2/instance",
    ]) {
      const res = await bff(path, {
        jar,
        headers: { "x-csrf": "1" },
        env: { APPS: kv.kv, REGISTRAR: registrar.ns },
      });
      expect([path, res.status]).toEqual([path, 200]);
      await res.body?.cancel();
    }
    expect([...kv.calls, ...registrar.calls]).toEqual([]);
  });

  it("still logs out (204, cookie cleared) when storage fails; the revoke is best effort", async () => {
    const { jar } = await fullLogin(uniqueHost("mastodon"));
    const res = await bff("/auth/logout", {
      method: "POST",
      jar,
      headers: { "x-csrf": "1" },
      env: { APPS: countingKv(true).kv, REGISTRAR: countingRegistrar(true).ns },
    });
    expect(res.status).toBe(204);
    expect(jar.cookies.has("__Host-fedi-bff-session")).toBe(false);
  });
});
