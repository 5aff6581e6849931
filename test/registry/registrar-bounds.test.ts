/**
 * What the registrar keeps is bounded whatever an instance answers: a server that calls every
 * new app unknown does not make each login register again, and records of replaced apps go once
 * no session can still revoke a token with them.
 */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { loadConfig } from "../../src/config/config.ts";
import type { Env } from "../../src/config/env.ts";
import { REPLACE_INTERVAL } from "../../src/registry/keeping.ts";
import { DO_CLIENT_PREFIX } from "../../src/registry/storage-keys.ts";
import { bff, CookieJar, startLogin } from "../helpers/bff.ts";
import { travel } from "../helpers/clock.ts";
import { approve, fakeState, injectFault, UNKNOWN_CLIENT_AT_TOKEN, uniqueHost } from "../helpers/fake.ts";

afterEach(() => vi.useRealTimers());

async function clientRecords(host: string): Promise<number> {
  const stub = env.REGISTRAR.get(env.REGISTRAR.idFromName(host));
  return runInDurableObject(
    stub,
    async (_, state) => (await state.storage.list({ prefix: DO_CLIENT_PREFIX })).size,
  );
}

/** Start → consent → callback; returns where the callback sent the browser. */
async function attempt(host: string): Promise<string> {
  const jar = new CookieJar();
  let authorize = await startLogin(host, jar);
  for (let hop = 0; hop < 3; hop++) {
    const back = await approve(authorize.href);
    const callback = await bff(back.pathname + back.search, { jar });
    const location = callback.headers.get("location") ?? "";
    if (!location.startsWith(`https://${host}/oauth/authorize`)) return location;
    authorize = new URL(location); // the login restarted with a new app
  }
  throw new Error("the login kept restarting");
}

describe("the registrar's bounds", () => {
  it("replaces an app the instance calls unknown at most once per interval, however many logins fail", async () => {
    const host = uniqueHost("mastodon");
    await injectFault(host, UNKNOWN_CLIENT_AT_TOKEN);
    for (let i = 0; i < 5; i++) expect(await attempt(host)).toBe("/?auth_error=token_exchange_failed");
    expect((await fakeState(host)).registrations).toBe(2);
    travel(REPLACE_INTERVAL + 1);
    await attempt(host);
    expect((await fakeState(host)).registrations).toBe(3);
  });

  it("forgets replaced apps once every session that may use them has expired", async () => {
    const host = uniqueHost("mastodon");
    const { sessionTtl } = loadConfig(env as Env);
    for (let i = 0; i < 4; i++) {
      // A first login start registers (or renews the app token): the fault then hits the code exchange.
      await startLogin(host, new CookieJar());
      await injectFault(host, {
        path: "/oauth/token",
        method: "POST",
        kind: "status",
        status: 401,
        times: 1,
      });
      expect(await attempt(host)).toBe("/");
      travel(sessionTtl + REPLACE_INTERVAL + 1);
    }
    expect((await fakeState(host)).registrations).toBeGreaterThanOrEqual(4);
    // The current app and the one it replaced (a session made with it may still log out).
    expect(await clientRecords(host)).toBeLessThanOrEqual(2);
  });
});
