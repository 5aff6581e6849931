import { describe, expect, it } from "vitest";
import { bff, CookieJar, expectError } from "../helpers/bff.ts";
import { appWith, BFF, bffRequest, countedEnv, seen, signedIn } from "./support.ts";

/** A browser signed in to two fresh instances; the second login is the active account. */
async function twoAccounts() {
  const first = await signedIn();
  const second = await signedIn("mastodon", first.jar);
  return { kept: first.host, cut: second.host, jar: second.jar };
}

/** The accounts /auth/session lists for a Cookie header. */
async function instancesOf(cookie: string): Promise<string[]> {
  const jar = new CookieJar();
  const res = await bff("/auth/session", { headers: { cookie }, jar });
  expect(res.status).toBe(200);
  return ((await res.json()) as { accounts: { instance: string }[] }).accounts.map((a) => a.instance);
}

/** The session cookie a refusal sets, as a Cookie header. */
function cookieFrom(res: Response): string {
  const jar = new CookieJar();
  jar.store(res);
  return jar.header();
}

describe("the operator's lists applied to sessions made before them", () => {
  it("refuses an API call, an event stream and a WebSocket to a denylisted instance, without storage", async () => {
    const { kept, cut, jar } = await twoAccounts();
    const counted = countedEnv();
    const app = appWith({ INSTANCE_DENYLIST: cut }, counted.env);
    const call = await app(bffRequest("/api/v1/timelines/home", jar, { headers: { "x-csrf": "1" } }));
    const sse = await app(
      bffRequest("/api/v1/streaming/user", jar, { headers: { accept: "text/event-stream", origin: BFF } }),
    );
    const ws = await app(
      bffRequest("/api/v1/streaming", jar, { headers: { upgrade: "websocket", origin: BFF } }),
    );
    for (const res of [call, sse, ws]) {
      expect(res.headers.getSetCookie()).toHaveLength(1);
      expect(await instancesOf(cookieFrom(res))).toEqual([kept]);
      await expectError(res, 403, "instance_not_allowed");
    }
    expect(counted.calls).toEqual([]);
    expect(await seen(cut, "/api/v1/timelines/home")).toEqual([]);
    expect(await seen(cut, "/api/v1/streaming/user")).toEqual([]);
    expect(await seen(cut, "/api/v1/streaming")).toEqual([]);
  });

  it("refuses /auth/session and drops the account; the other account answers on", async () => {
    const { kept, cut, jar } = await twoAccounts();
    const res = await bff("/auth/session", { jar, env: { INSTANCE_DENYLIST: cut } });
    expect(await instancesOf(cookieFrom(res))).toEqual([kept]);
    await expectError(res, 403, "instance_not_allowed");
    const named = await appWith({ INSTANCE_DENYLIST: cut })(
      bffRequest("/api/v1/timelines/home", null, {
        headers: { "x-csrf": "1", cookie: cookieFrom(res) },
      }),
    );
    expect(named.status).toBe(200);
  });

  it("clears the cookie when an allowlist leaves out the only account's instance", async () => {
    const { host, jar } = await signedIn();
    const other = `allowed-${host}`;
    const res = await appWith({ INSTANCE_ALLOWLIST: other })(
      bffRequest("/api/v1/timelines/home", jar, { headers: { "x-csrf": "1" } }),
    );
    expect(res.headers.getSetCookie().join()).toMatch(/max-age=0/i);
    await expectError(res, 403, "instance_not_allowed");
    const session = await bff("/auth/session", { jar, env: { INSTANCE_ALLOWLIST: other } });
    await expectError(session, 403, "instance_not_allowed");
    expect(await seen(host, "/api/v1/timelines/home")).toEqual([]);
  });

  it("lets an account on a listed instance through", async () => {
    const { host, jar } = await signedIn();
    const res = await appWith({ INSTANCE_ALLOWLIST: host })(
      bffRequest("/api/v1/timelines/home", jar, { headers: { "x-csrf": "1" } }),
    );
    expect(res.status).toBe(200);
    expect((await bff("/auth/session", { jar, env: { INSTANCE_ALLOWLIST: host } })).status).toBe(200);
  });
});
