/**
 * A logout whose revoke meets a passing outage: the session ends at once, the frontend is told
 * (`Fedi-Bff-Revoke: retrying`), and the instance's Registrar tries again on its alarm until the
 * token is gone upstream — a few times, then it gives up. An instance that refuses (4xx) is not
 * asked again.
 */
import { runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { REVOKE_HEADER } from "../../src/client/types.ts";
import { REVOKE_RETRY_DELAYS } from "../../src/registry/revoke-queue.ts";
import { bff, type CookieJar, fullLogin } from "../helpers/bff.ts";
import { fakeState, injectFault, uniqueHost } from "../helpers/fake.ts";

const logout = (jar: CookieJar) => bff("/auth/logout", { method: "POST", jar, headers: { "x-csrf": "1" } });

function later(seconds: number): void {
  vi.useFakeTimers({ toFake: ["Date"], now: Date.now() + seconds * 1000 });
}

const registrarOf = (host: string) => env.REGISTRAR.get(env.REGISTRAR.idFromName(host));

describe("a revoke that failed at logout", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("is tried again by the Registrar until the token is gone, and the frontend is told", async () => {
    const host = uniqueHost("gts");
    const { jar } = await fullLogin(host);
    await injectFault(host, { path: "/oauth/revoke", kind: "status", status: 503, times: 2 });
    const res = await logout(jar);
    expect(res.status).toBe(204);
    expect(res.headers.get(REVOKE_HEADER)).toBe("retrying");
    expect(jar.cookies.size).toBe(0);
    expect((await fakeState(host)).liveUserTokens).toBe(1);
    later(REVOKE_RETRY_DELAYS[0] + 1);
    await runDurableObjectAlarm(registrarOf(host));
    expect((await fakeState(host)).liveUserTokens).toBe(1); // the second 503
    later(REVOKE_RETRY_DELAYS[0] + REVOKE_RETRY_DELAYS[1] + 2);
    await runDurableObjectAlarm(registrarOf(host));
    expect((await fakeState(host)).liveUserTokens).toBe(0);
  });

  it("is not asked again when the instance refused it (4xx): done, one request", async () => {
    const host = uniqueHost("gts");
    const { jar } = await fullLogin(host);
    await injectFault(host, { path: "/oauth/revoke", kind: "status", status: 400, times: 1 });
    const res = await logout(jar);
    expect(res.headers.get(REVOKE_HEADER)).toBe("done");
    later(REVOKE_RETRY_DELAYS[0] + 1);
    expect(await runDurableObjectAlarm(registrarOf(host))).toBe(false);
    const revokes = (await fakeState(host)).requests.filter((r) => r.path === "/oauth/revoke");
    expect(revokes).toHaveLength(1);
  });

  it("says done when every token was revoked", async () => {
    const { jar } = await fullLogin(uniqueHost("gts"));
    expect((await logout(jar)).headers.get(REVOKE_HEADER)).toBe("done");
  });
});
