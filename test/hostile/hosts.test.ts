/// <reference types="vite/client" />
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/config.ts";
import type { Env } from "../../src/config/env.ts";
import { getKeyRing } from "../../src/crypto/key-ring.ts";
import { open } from "../../src/crypto/seal.ts";
import { discoverInstance } from "../../src/instance/discovery.ts";
import { type HostPolicy, parseInstance } from "../../src/instance/host.ts";
import { parseHostList } from "../../src/instance/policy.ts";
import { parseHandle } from "../../src/instance/webfinger.ts";
import { decodeRegistration, type Registration } from "../../src/oauth/registration.ts";
import { decodeKvEntry } from "../../src/registry/registry.ts";
import { appKvPrefix } from "../../src/registry/storage-keys.ts";
import corpusText from "../corpus/hostile-hosts.txt?raw";
import { BFF, bff, CookieJar, expectError, fullLogin, startLogin } from "../helpers/bff.ts";
import { configure, fakeState, injectFault, unexpectedHosts, uniqueHost } from "../helpers/fake.ts";
import { countingKv, countingRegistrar, figure, parseCorpus, recordOutbound } from "./support.ts";

const PUBLIC: HostPolicy = { insecureHosts: new Set() };
/**
 * Every corpus entry but the safe normalizations. Since login by handle, `user@mastodon.social`
 * is a handle (WebFinger at mastodon.social, itself host-checked), so the two user-info entries
 * that are valid handles are not instance names at this route; `alice@<entry>` below covers them.
 */
const hostile = parseCorpus(corpusText).filter(
  (e) => !e.group.startsWith("Normalizes safely") && !isHandle(e.value),
);
/**
 * Each hostile name as the domain of a handle: the same refusal, before WebFinger. A handle is
 * trimmed as a whole (String#trim), so names whose only fault is surrounding whitespace
 * (`mastodon.social\r\n`) become the plain public name there: harmless, and left out.
 */
const hostileHandles = parseCorpus(corpusText)
  .filter((e) => !e.group.startsWith("Normalizes safely") && !isPublicName(e.value.trim()))
  .map((e) => ({ ...e, value: `alice@${e.value}` }));

function isPublicName(value: string): boolean {
  try {
    return parseInstance(value, PUBLIC).host === value.toLowerCase();
  } catch {
    return false;
  }
}

function isHandle(value: string): boolean {
  try {
    return parseHandle(value, PUBLIC) !== null;
  } catch {
    return false;
  }
}
/** The fake serves loopback as an instance, so a request that got there would be logged. */
const LOOPBACK_SITES = ["https://127.0.0.1", "http://127.0.0.1", "https://localhost", "http://localhost"];

async function bffRequestsTo(origins: string[]): Promise<number> {
  let count = 0;
  for (const origin of origins) {
    const state = await fakeState(origin);
    count += state.requests.filter((r) => (r.headers["user-agent"] ?? "").startsWith("fedi-bff/")).length;
  }
  return count;
}

/** The registration the BFF stored in KV for a host (opened with the test's key ring). */
async function storedRegistration(host: string): Promise<Registration | null> {
  const { keys } = await env.APPS.list({ prefix: appKvPrefix(host) });
  const [key] = keys;
  if (key === undefined) return null;
  const sealed = decodeKvEntry((await env.APPS.get(key.name)) ?? "")?.sealed ?? "";
  const ring = await getKeyRing(loadConfig(env as Env).sessionKeys);
  const payload = await open(sealed, "app", ring);
  return payload === null ? null : decodeRegistration(payload);
}

let outbound: ReturnType<typeof recordOutbound> | undefined;
afterEach(() => outbound?.stop());

describe("hostile instance names at /auth/login", () => {
  it.each([
    ["instance names", hostile],
    ["handles on hostile domains", hostileHandles],
  ])(
    "refuses every corpus entry as %s with 400 invalid_instance, touching no network, KV or Durable Object",
    async (_, entries) => {
      outbound = recordOutbound();
      const kv = countingKv(false);
      const registrar = countingRegistrar(false);
      const wrong: string[] = [];
      expect(entries.length).toBeGreaterThanOrEqual(400);
      for (const { value } of entries) {
        for (const method of ["GET", "POST"] as const) {
          const res =
            method === "GET"
              ? await bff(`/auth/login?${new URLSearchParams({ instance: value })}`, {
                  env: { APPS: kv.kv, REGISTRAR: registrar.ns },
                })
              : await bff("/auth/login", {
                  method,
                  headers: { "content-type": "application/x-www-form-urlencoded", "x-csrf": "1" },
                  body: new URLSearchParams({ instance: value }),
                  env: { APPS: kv.kv, REGISTRAR: registrar.ns },
                });
          const body = (await res.json()) as { error: string };
          if (res.status !== 400 || body.error !== "invalid_instance")
            wrong.push(`${method} ${JSON.stringify(value)} → ${res.status} ${body.error}`);
        }
      }
      expect(wrong).toEqual([]);
      expect(outbound.urls()).toEqual([]);
      expect(kv.calls).toEqual([]);
      expect(registrar.calls).toEqual([]);
      figure(`hosts (${_}): ${entries.length} × GET and POST → 400 invalid_instance, outbound 0, KV 0, DO 0`);
    },
  );

  it("leaves the fake's logs untouched: no unexpected host, no request to loopback", async () => {
    const unexpectedBefore = await unexpectedHosts();
    const loopbackBefore = await bffRequestsTo(LOOPBACK_SITES);
    for (const { value } of [...hostile, ...hostileHandles]) {
      const res = await bff(`/auth/login?${new URLSearchParams({ instance: value })}`);
      expect(res.status).toBe(400);
    }
    expect(await unexpectedHosts()).toEqual(unexpectedBefore);
    expect(await bffRequestsTo(LOOPBACK_SITES)).toBe(loopbackBefore);
  });

  it("refuses denied and unlisted hosts with 403 instance_not_allowed before any storage or network", async () => {
    outbound = recordOutbound();
    const kv = countingKv(false);
    const registrar = countingRegistrar(false);
    const storage = { APPS: kv.kv, REGISTRAR: registrar.ns };
    const denied = await bff(`/auth/login?instance=${uniqueHost("mastodon")}`, {
      env: { ...storage, INSTANCE_DENYLIST: "*.example.net" },
    });
    await expectError(denied, 403, "instance_not_allowed");
    const unlisted = await bff(`/auth/login?instance=${uniqueHost("mastodon")}`, {
      env: { ...storage, INSTANCE_ALLOWLIST: "only.example.org" },
    });
    await expectError(unlisted, 403, "instance_not_allowed");
    expect(outbound.urls()).toEqual([]);
    expect([...kv.calls, ...registrar.calls]).toEqual([]);
  });
});

describe("a hostile instance pointing the BFF elsewhere", () => {
  it.each([
    ["a WebFinger answer naming a loopback server", { webOrigin: "https://127.0.0.1" }],
    ["a WebFinger answer naming cloud metadata", { webOrigin: "https://169.254.169.254" }],
    ["a WebFinger redirect to loopback", { redirectTo: "https://127.0.0.1" }],
    ["a WebFinger redirect to an internal name", { redirectTo: "https://mastodon.internal" }],
  ])("refuses %s: 404 handle_not_found, nothing fetched there", async (_, webfinger) => {
    const host = uniqueHost("mastodon");
    await configure(host, { webfinger });
    const loopbackBefore = await bffRequestsTo(LOOPBACK_SITES);
    const unexpectedBefore = await unexpectedHosts();
    const res = await bff(`/auth/login?instance=${encodeURIComponent(`@alice@${host}`)}`);
    await expectError(res, 404, "handle_not_found");
    expect(await bffRequestsTo(LOOPBACK_SITES)).toBe(loopbackBefore);
    expect(await unexpectedHosts()).toEqual(unexpectedBefore);
  });

  it("ignores a metadata document whose endpoints live on another host (the client_secret stays home)", async () => {
    const host = uniqueHost("mastodon");
    const elsewhere = uniqueHost("mastodon");
    await injectFault(host, {
      path: "/.well-known/oauth-authorization-server",
      kind: "status",
      status: 200,
      body: {
        issuer: `https://${host}/`,
        authorization_endpoint: `https://${elsewhere}/oauth/authorize`,
        token_endpoint: `https://${elsewhere}/oauth/token`,
        app_registration_endpoint: `https://${elsewhere}/api/v1/apps`,
        revocation_endpoint: `https://${elsewhere}/oauth/revoke`,
      },
    });
    const { callback, authorize } = await fullLogin(host);
    expect(authorize.origin).toBe(`https://${host}`);
    expect(callback.headers.get("location")).toBe("/");
    expect((await fakeState(elsewhere)).requests).toEqual([]);
  });

  it.each([
    "wss://127.0.0.1",
    "wss://169.254.169.254",
    "wss://[::1]",
    "wss://streaming.internal",
    "ws://streaming.example.org",
    "wss://user@streaming.example.org",
    "javascript:alert(1)",
  ])("does not keep a streaming URL %s from /api/v2/instance", async (streaming) => {
    const host = uniqueHost("mastodon");
    await configure(host, { streamingUrl: streaming });
    await startLogin(host, new CookieJar());
    expect((await storedRegistration(host))?.streaming).toBe(`wss://${host}`);
  });

  it("keeps a registration for host A out of reach of host B that copies A's client_id", async () => {
    const a = uniqueHost("mastodon");
    const b = uniqueHost("mastodon");
    const first = await startLogin(a, new CookieJar());
    const clientIdA = first.searchParams.get("client_id") ?? "";
    await injectFault(b, {
      path: "/api/v1/apps",
      kind: "status",
      status: 200,
      body: { id: "1", name: "x", client_id: clientIdA, client_secret: "stolen-or-forged-secret" },
    });
    const atB = await startLogin(b, new CookieJar());
    expect(atB.origin).toBe(`https://${b}`);
    expect((await storedRegistration(b))?.clientSecret).toBe("stolen-or-forged-secret");
    // A's registration (and secret) is untouched: a full login at A still completes.
    expect((await storedRegistration(a))?.clientSecret).not.toBe("stolen-or-forged-secret");
    const { callback } = await fullLogin(a);
    expect(callback.headers.get("location")).toBe("/");
    expect((await fakeState(a)).registrations).toBe(1);
  });
});

describe("the operator's lists on every host contacted for a user", () => {
  it("refuses a WebFinger redirect to a denied host: 403 instance_not_allowed, nothing fetched there", async () => {
    const host = uniqueHost("mastodon");
    const denied = uniqueHost("mastodon");
    await configure(host, { webfinger: { redirectTo: `https://${denied}` } });
    const res = await bff(`/auth/login?instance=${encodeURIComponent(`@alice@${host}`)}`, {
      env: { INSTANCE_DENYLIST: denied },
    });
    await expectError(res, 403, "instance_not_allowed");
    expect((await fakeState(denied)).requests).toEqual([]);
  });

  it("refuses a host-meta template on a host outside the allowlist, nothing fetched there", async () => {
    const host = uniqueHost("mastodon");
    const unlisted = uniqueHost("mastodon");
    await injectFault(host, { path: "/.well-known/webfinger", kind: "status", status: 404, body: {} });
    await configure(host, { webfinger: { webOrigin: `https://${unlisted}` } });
    const res = await bff(`/auth/login?instance=${encodeURIComponent(`alice@${host}`)}`, {
      env: { INSTANCE_ALLOWLIST: host },
    });
    await expectError(res, 403, "instance_not_allowed");
    expect((await fakeState(unlisted)).requests).toEqual([]);
  });

  it("keeps a denied streaming host out of discovery: the instance's own host streams instead", async () => {
    const host = uniqueHost("mastodon");
    const denied = uniqueHost("mastodon");
    await configure(host, { streamingUrl: `wss://${denied}` });
    const ctx = {
      fetch: (i: RequestInfo | URL, init?: RequestInit) => fetch(i, init),
      userAgent: "t",
      timeoutMs: 5000,
    };
    const policy = { ...PUBLIC, deny: parseHostList(denied).patterns };
    const info = await discoverInstance(ctx, `https://${host}`, policy);
    expect(info.streaming).toBe(`wss://${host}`);
    expect((await discoverInstance(ctx, `https://${host}`, PUBLIC)).streaming).toBe(`wss://${denied}`);
  });

  it("never sends a session's token to a streaming host the lists exclude (403, no upgrade there)", async () => {
    const host = uniqueHost("mastodon");
    const denied = uniqueHost("mastodon");
    await configure(host, { streamingUrl: `wss://${denied}` });
    const { jar } = await fullLogin(host);
    const res = await bff("/api/v1/streaming?stream=user", {
      jar,
      headers: { upgrade: "websocket", origin: BFF },
      env: { INSTANCE_DENYLIST: denied },
    });
    await expectError(res, 403, "instance_not_allowed");
    expect((await fakeState(denied)).requests).toEqual([]);
  });
});

describe("the streaming host an instance names", () => {
  it("takes only its scheme, host and port: a path or query in it never reaches the other host", async () => {
    const host = uniqueHost("mastodon");
    const other = uniqueHost("mastodon");
    await configure(host, { streamingUrl: `wss://${other}/evil/anything?x=` });
    const { jar } = await fullLogin(host);
    expect((await storedRegistration(host))?.streaming).toBe(`wss://${other}`);
    const res = await bff("/api/v1/streaming?stream=user", {
      jar,
      headers: { upgrade: "websocket", origin: BFF },
    });
    await res.body?.cancel();
    const paths = (await fakeState(other)).requests.map((r) => ({ path: r.path, query: r.query }));
    expect(paths).toEqual([{ path: "/api/v1/streaming", query: { stream: "user" } }]);
  });

  it("relays no upstream answer on a failed upgrade: 502 invalid_upstream_response of its own", async () => {
    const host = uniqueHost("mastodon");
    const { jar } = await fullLogin(host);
    await injectFault(host, { path: "/api/v1/streaming", kind: "status", status: 404 });
    const res = await bff("/api/v1/streaming?stream=user", {
      jar,
      headers: { upgrade: "websocket", origin: BFF },
    });
    const body = await res.text();
    expect(res.status).toBe(502);
    expect(JSON.parse(body).error).toBe("invalid_upstream_response");
    expect(body).not.toContain("Refused by fault");
  });
});
