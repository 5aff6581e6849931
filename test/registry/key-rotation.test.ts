/**
 * Rotating SESSION_KEYS as docs/configuration.md says — a new key first, the old one dropped
 * later — logs nobody out and keeps every instance's app: registrations sealed under the old key
 * are sealed again under the new one when a login next reaches the registrar, so dropping the old
 * key registers nothing new.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Env } from "../../src/config/env.ts";
import { KV_TRUST } from "../../src/registry/keeping.ts";
import { bff, CookieJar, expectError } from "../helpers/bff.ts";
import { travel } from "../helpers/clock.ts";
import { approve, fakeState, uniqueHost } from "../helpers/fake.ts";

afterEach(() => vi.useRealTimers());

/** Two 256-bit keys (base64url) other than the Worker's own. */
const OLD_KEY = "b2xkLWtleS1mb3ItdGhlLXJvdGF0aW9uLXRlc3QtMDA";
const NEW_KEY = "bmV3LWtleS1mb3ItdGhlLXJvdGF0aW9uLXRlc3QtMTE";

async function signIn(host: string, keys: string[]): Promise<CookieJar> {
  const env: Partial<Env> = { SESSION_KEYS: keys.join(",") };
  const jar = new CookieJar();
  const start = await bff(`/auth/login?instance=${host}`, { jar, env });
  expect(start.status, await start.clone().text()).toBe(302);
  const back = await approve(start.headers.get("location") ?? "");
  const callback = await bff(back.pathname + back.search, { jar, env });
  expect(callback.headers.get("location")).toBe("/");
  return jar;
}

describe("rotating SESSION_KEYS", () => {
  it.each(["mastodon", "gts"] as const)(
    "on %s: new key first, old key dropped a day later — sessions of the overlap stay, no new app",
    async (flavour) => {
      const host = uniqueHost(flavour);
      const before = await signIn(host, [OLD_KEY]);
      // The overlap: both keys; a login a day later (past the KV copy's trust) reaches the registrar.
      travel(KV_TRUST + 1);
      const overlap = await signIn(host, [NEW_KEY, OLD_KEY]);
      expect(
        (await bff("/auth/session", { jar: before, env: { SESSION_KEYS: `${NEW_KEY},${OLD_KEY}` } })).status,
      ).toBe(200);
      // The old key dropped: its sessions end; the app registered under it serves on.
      travel(60);
      const after = await signIn(host, [NEW_KEY]);
      const env = { SESSION_KEYS: NEW_KEY };
      expect((await bff("/auth/session", { jar: overlap, env })).status).toBe(200);
      expect((await bff("/auth/session", { jar: after, env })).status).toBe(200);
      await expectError(await bff("/auth/session", { jar: before, env }), 401, "not_authenticated");
      expect((await fakeState(host)).registrations).toBe(1);
    },
  );
});
