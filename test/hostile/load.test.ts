import { describe, expect, it } from "vitest";
import { bff, fullLogin } from "../helpers/bff.ts";
import { fakeState, uniqueHost } from "../helpers/fake.ts";
import { countingKv, countingRegistrar, figure } from "./support.ts";

/** Runs `task` `total` times with at most `concurrency` in flight; returns the failures. */
async function pool(total: number, concurrency: number, task: (i: number) => Promise<string | null>) {
  const failures: string[] = [];
  let next = 0;
  const worker = async () => {
    while (next < total) {
      const i = next++;
      const failure = await task(i).catch((error: unknown) => String(error));
      if (failure !== null) failures.push(failure);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return failures;
}

describe("load", () => {
  it("completes 50 concurrent first logins to one new instance with one registration", async () => {
    const host = uniqueHost("mastodon");
    const started = performance.now();
    const results = await Promise.all(Array.from({ length: 50 }, () => fullLogin(host)));
    const errors = results.filter(
      (r) => r.callback.status !== 302 || r.callback.headers.get("location") !== "/",
    );
    const state = await fakeState(host);
    const posts = state.requests.filter((r) => r.method === "POST" && r.path === "/api/v1/apps").length;
    figure(
      `load: 50 concurrent first logins → ${errors.length} errors, ${state.registrations} registration(s), ${posts} POST /api/v1/apps, ${Math.round(performance.now() - started)} ms`,
    );
    expect(errors).toHaveLength(0);
    expect(state.registrations).toBe(1);
    expect(posts).toBe(1);
  });

  it("serves 1,000 proxied requests at concurrency 50 with 0 errors and no storage operation", async () => {
    const { jar } = await fullLogin(uniqueHost("mastodon"));
    const kv = countingKv(false);
    const registrar = countingRegistrar(false);
    const paths = [
      "/api/v1/timelines/home",
      "/api/v1/accounts/verify_credentials",
      "/api/v1/timelines/public",
    ];
    const started = performance.now();
    const failures = await pool(1000, 50, async (i) => {
      const path = paths[i % paths.length] ?? "/api/v1/timelines/home";
      const res = await bff(path, {
        jar,
        headers: { "x-csrf": "1" },
        env: { APPS: kv.kv, REGISTRAR: registrar.ns },
      });
      const body = await res.text();
      return res.status === 200 && body.length > 0 ? null : `${path} → ${res.status}`;
    });
    figure(
      `load: 1000 proxied requests at concurrency 50 → ${failures.length} errors, ${kv.calls.length} KV ops, ${registrar.calls.length} DO calls, ${Math.round(performance.now() - started)} ms`,
    );
    expect(failures).toEqual([]);
    expect([...kv.calls, ...registrar.calls]).toEqual([]);
  });
});
