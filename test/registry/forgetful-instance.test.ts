/**
 * An instance that forgets its apps (a database restored, an admin, a test server restarted)
 * costs a user at most one failed try, every time — also when it forgets again within minutes:
 * the user's second try signs in.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { CHECK_INTERVAL, REPLACE_INTERVAL } from "../../src/registry/keeping.ts";
import { bff, CookieJar, fullLogin, startLogin } from "../helpers/bff.ts";
import { travel } from "../helpers/clock.ts";
import { approve, deleteApp, type Flavour, fakeState, resetOrigin, uniqueHost } from "../helpers/fake.ts";

afterEach(() => vi.useRealTimers());

/** Three forgettings within five minutes: at 0, 100 and 200 seconds. */
const GAP = 100;
const clientOf = (url: URL) => url.searchParams.get("client_id") ?? "";

async function signIn(jar: CookieJar, authorize: URL): Promise<string | null> {
  const back = await approve(authorize.href);
  return (await bff(back.pathname + back.search, { jar })).headers.get("location");
}

describe("an instance that forgets its apps three times in five minutes", () => {
  it("checks a suspect app at least once per forgetting: the check interval is shorter than the gap", () => {
    expect(CHECK_INTERVAL).toBeLessThan(GAP);
    // Replacements within REPLACE_INTERVAL need the instance's own "unknown client" as proof.
    expect(2 * GAP).toBeLessThan(REPLACE_INTERVAL);
  });

  it.each(["mastodon", "gts"] as Flavour[])(
    "on %s, restarted without its apps: each time the user's second try signs in",
    async (flavour) => {
      const host = uniqueHost(flavour);
      expect((await fullLogin(host)).callback.headers.get("location")).toBe("/");
      for (let round = 0; round < 3; round++) {
        if (round > 0) travel(GAP);
        await resetOrigin(host);
        const jar = new CookieJar();
        const first = await startLogin(host, jar);
        // The instance shows its own error page; the user goes back and tries again.
        await expect(approve(first.href)).rejects.toThrow(/authorize did not redirect \(400\)/);
        const retry = await startLogin(host, jar);
        expect(clientOf(retry)).not.toBe(clientOf(first));
        expect(await signIn(jar, retry)).toBe("/");
      }
    },
  );

  it.each(["mastodon", "gts"] as Flavour[])(
    "on %s, forgetting the app while the user signs in: each time the login restarts and signs in",
    async (flavour) => {
      const host = uniqueHost(flavour);
      for (let round = 0; round < 3; round++) {
        if (round > 0) travel(GAP);
        const jar = new CookieJar();
        const authorize = await startLogin(host, jar);
        const back = await approve(authorize.href);
        await deleteApp(`https://${host}`, clientOf(authorize));
        const callback = await bff(back.pathname + back.search, { jar });
        const again = new URL(callback.headers.get("location") ?? "");
        expect(`${again.origin}${again.pathname}`).toBe(`https://${host}/oauth/authorize`);
        expect(clientOf(again)).not.toBe(clientOf(authorize));
        expect(await signIn(jar, again)).toBe("/");
      }
      expect((await fakeState(host)).registrations).toBe(4);
    },
  );
});
