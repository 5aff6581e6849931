/**
 * Self-hosted on workerd there is no KV and no Rate Limiting binding: the registry reads through
 * the Registrar Durable Object (the path of a KV miss, not a second one), the Registrar publishes
 * nothing, and the proxy — which never reads storage — serves as on Cloudflare.
 */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Env } from "../../src/config/env.ts";
import { appKvPrefix } from "../../src/registry/storage-keys.ts";
import { bff, CookieJar } from "../helpers/bff.ts";
import { approve, fakeState, uniqueHost } from "../helpers/fake.ts";
import { countingRegistrar } from "../hostile/support.ts";

/** The Worker's bindings as the self-host config gives them. */
const SELF_HOSTED: Partial<Env> = { APPS: undefined, LOGIN_LIMITER: undefined };

/** The host's Registrar as self-hosted: its env has no KV either. */
async function registrarWithoutKv(host: string): Promise<void> {
  const stub = env.REGISTRAR.get(env.REGISTRAR.idFromName(host));
  await runInDurableObject(stub, (instance) => {
    const object = instance as unknown as { env: Env };
    object.env = { ...object.env, APPS: undefined };
  });
}

const call = (path: string, jar: CookieJar, init: RequestInit & { env?: Partial<Env> } = {}) =>
  bff(path, { ...init, jar, env: { ...SELF_HOSTED, ...init.env } });

async function login(host: string, registrar?: Env["REGISTRAR"]): Promise<CookieJar> {
  const jar = new CookieJar();
  const overrides = registrar === undefined ? {} : { REGISTRAR: registrar };
  const start = await call(`/auth/login?instance=${host}`, jar, { env: overrides });
  expect(start.status).toBe(302);
  const back = await approve(start.headers.get("location") ?? "", { user: "alice" });
  const callback = await call(back.pathname + back.search, jar, { env: overrides });
  expect(callback.status).toBe(302);
  expect(callback.headers.get("location")).toBe("/");
  return jar;
}

describe("registrations without KV (self-hosted)", () => {
  it("logs in, proxies and logs out; a second login reuses the registration; KV is never written", async () => {
    const host = uniqueHost("mastodon");
    await registrarWithoutKv(host);
    const jar = await login(host);
    const me = await call("/api/v1/accounts/verify_credentials", jar, { headers: { "x-csrf": "1" } });
    expect(me.status).toBe(200);
    expect(((await me.json()) as { username: string }).username).toBe("alice");
    const out = await call("/auth/logout", jar, { method: "POST", headers: { "x-csrf": "1" } });
    expect(out.status).toBe(204);

    await login(host);
    expect((await fakeState(host)).registrations).toBe(1);
    expect((await env.APPS.list({ prefix: appKvPrefix(host) })).keys).toEqual([]);
  });

  it("asks the registrar on every login start and callback (there is nothing else to read)", async () => {
    const host = uniqueHost("mastodon");
    await registrarWithoutKv(host);
    await login(host);
    const counted = countingRegistrar(false);
    await login(host, counted.ns);
    // The start (ensure); the callback (byClientId, then the session's hold on its token).
    expect(counted.calls.filter((c) => c === "get")).toHaveLength(3);
    expect((await fakeState(host)).registrations).toBe(1);
  });
});
