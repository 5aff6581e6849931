/**
 * A real client, unchanged: masto.js, configured only through its own options — the
 * BFF as base URL, `credentials: "include"` and the `X-CSRF: 1` header — signs nothing, holds no
 * token, and uses the whole flow a web app needs. masto.js calls the global `fetch`; here the
 * global plays the browser's network: requests for the BFF's origin go to the Worker's own fetch
 * handler through `bff()` with the BFF's cookies, as a browser does for `credentials: "include"`.
 * The test and the Worker share one isolate, so everything else (the Worker's own calls to the
 * instance) passes to the original fetch.
 */
import { createRestAPIClient } from "masto";
import { afterEach, expect, it, vi } from "vitest";
import { bff, type CookieJar } from "./helpers/bff.ts";
import { fakeState } from "./helpers/fake.ts";
import { BFF, signedIn } from "./proxy/support.ts";

/** A browser's network for a page on the BFF's origin: the BFF's cookies on requests to it. */
function browserFetch(jar: CookieJar, log: string[]): typeof fetch {
  const network = globalThis.fetch;
  return async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    if (new URL(request.url).origin !== BFF) return network(request);
    log.push(`${request.method} ${request.url}`);
    const url = new URL(request.url);
    const headers = new Headers(request.headers);
    headers.set("sec-fetch-site", "same-origin");
    const body = request.body === null ? undefined : await request.arrayBuffer();
    // The jar adds the BFF's cookies and keeps the ones it sets, as a browser does.
    return bff(url.pathname + url.search, { method: request.method, headers, body, jar });
  };
}

afterEach(() => {
  vi.unstubAllGlobals();
});

it("masto.js works against fedi-bff: profile, paging, posting, media, favourite, delete", async () => {
  const { host, jar } = await signedIn();
  const log: string[] = [];
  vi.stubGlobal("fetch", browserFetch(jar, log));
  // What a web app passes. (workers-types' RequestInit has no `credentials`; workerd ignores it.)
  const requestInit = { credentials: "include" as const, headers: { "X-CSRF": "1" } };
  const masto = createRestAPIClient({ url: BFF, requestInit });

  const me = await masto.v1.accounts.verifyCredentials();
  expect(me.username).toBe("alice");

  // Pagination follows the Link header, which the BFF rewrote to its own /api/… URLs.
  const ids: string[] = [];
  for await (const page of masto.v1.timelines.home.list({ limit: 20 })) {
    ids.push(...page.map((s) => s.id));
    if (ids.length >= 60) break;
  }
  expect(ids).toHaveLength(45);
  expect(new Set(ids).size).toBe(45);
  expect([...ids].sort((a, b) => (BigInt(b) > BigInt(a) ? 1 : -1))).toEqual(ids);
  // 20 + 20 + 5, then an empty page without a Link ends the iteration.
  const pages = log.filter((l) => l.includes("/api/v1/timelines/home"));
  expect(pages).toHaveLength(4);
  expect(pages[0]).toBe(`GET ${BFF}/api/v1/timelines/home?limit=20`);
  for (const next of pages.slice(1)) {
    expect(next).toMatch(/^GET https:\/\/bff\.example\.com\/api\/v1\/timelines\/home\?limit=20&max_id=\d+$/);
  }

  const status = await masto.v1.statuses.create({ status: "Hello from masto.js via fedi-bff" });
  expect(status.content).toBe("<p>Hello from masto.js via fedi-bff</p>");

  const png = Uint8Array.from(
    atob("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="),
    (c) => c.charCodeAt(0),
  );
  const media = await masto.v2.media.create({
    file: new Blob([png], { type: "image/png" }),
    description: "a pixel",
    skipPolling: true,
  });
  expect(media).toMatchObject({ type: "image", description: "a pixel" });

  const favourited = await masto.v1.statuses.$select(status.id).favourite();
  expect(favourited.favourited).toBe(true);
  await masto.v1.statuses.$select(status.id).remove();
  await expect(masto.v1.statuses.$select(status.id).fetch()).rejects.toMatchObject({ statusCode: 404 });

  // Every call went to the BFF; the instance saw each with the token the BFF added.
  expect(log.every((line) => line.includes(` ${BFF}/api/`))).toBe(true);
  const state = await fakeState(host);
  const deleted = state.requests.find(
    (r) => r.method === "DELETE" && r.path === `/api/v1/statuses/${status.id}`,
  );
  expect(deleted?.headers.authorization).toBe("Bearer <redacted>");
  expect(state.uploads).toHaveLength(1);
});
