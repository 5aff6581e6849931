/**
 * A dead token is recognised however its server says it — 401, Pleroma's 403, snac's 422, Pixelfed's
 * 500 or redirect to /login — and the account leaves the session with 401 `session_revoked`. A
 * live token's 403 / 422 / 500 passes through untouched, after at most one check of the token.
 */
import { describe, expect, it } from "vitest";
import { OWN_ERROR_HEADER } from "../../src/client/types.ts";
import { bff } from "../helpers/bff.ts";
import { type Flavour, injectFault, revokeTokens } from "../helpers/fake.ts";
import { api, seen, sessionKeys, signedIn, signedInTwice } from "./support.ts";

const VERIFY = "/api/v1/accounts/verify_credentials";

interface OwnError {
  readonly status: number;
  readonly error: unknown;
  readonly account: unknown;
  readonly own: string | null;
}

async function ownError(res: Response): Promise<OwnError> {
  const body = (await res.json()) as { error?: unknown; account?: unknown };
  return {
    status: res.status,
    error: body.error,
    account: body.account,
    own: res.headers.get(OWN_ERROR_HEADER),
  };
}

/** The signed-in account's key (`<id>@<host>`). */
async function keyOf(jar: Parameters<typeof sessionKeys>[0]): Promise<string> {
  return (await sessionKeys(jar)).active;
}

describe("dead tokens, each server's way", () => {
  it.each<[Flavour, string, Record<string, string>, number]>([
    ["mastodon", "/api/v1/timelines/home", {}, 401],
    ["gts", "/api/v1/timelines/home", {}, 401],
    ["hollo", "/api/v1/timelines/home", {}, 401],
    ["mitra", "/api/v1/timelines/home", {}, 401],
    ["akkoma", "/api/v1/timelines/home", {}, 403],
    ["friendica", "/api/v1/timelines/home", {}, 403],
    ["snac", "/api/v1/timelines/home", {}, 401],
    ["snac", VERIFY, {}, 422],
    ["pixelfed", "/api/v1/timelines/home", { accept: "application/json" }, 500],
    ["pixelfed", "/api/v1/timelines/home", { accept: "text/html" }, 302],
  ])("%s: %s %o, which the instance refuses with %i", async (flavour, path, headers, upstreamStatus) => {
    const { host, origin, jar } = await signedIn(flavour);
    const key = await keyOf(jar);
    await revokeTokens(origin);
    const before = (await seen(host, path)).length;
    const res = await api(path, jar, { headers });
    expect(await ownError(res)).toEqual({ status: 401, error: "session_revoked", account: key, own: "1" });
    expect(res.headers.getSetCookie()).toEqual([
      expect.stringMatching(/^__Host-fedi-bff-session=; Max-Age=0/),
    ]);
    expect(jar.cookies.size).toBe(0);
    expect((await seen(host, path)).length).toBeGreaterThan(before);
    // What the proxy saw: the instance's own refusal of a token it does not accept.
    const direct = await fetch(`${origin}${path}`, {
      headers: { ...headers, authorization: "Bearer not-a-live-token", "user-agent": "test" },
      redirect: "manual",
    });
    await direct.body?.cancel();
    expect(direct.status).toBe(upstreamStatus);
    expect((await bff("/auth/session", { jar })).status).toBe(401);
  });

  it("removes only the dead account when the session holds several", async () => {
    const { first, firstKey: akkomaKey, secondKey: mastodonKey } = await signedInTwice("akkoma");
    await revokeTokens(first.origin);
    const res = await api("/api/v1/timelines/home", first.jar, { headers: { "x-account": akkomaKey } });
    expect(await ownError(res)).toEqual({
      status: 401,
      error: "session_revoked",
      account: akkomaKey,
      own: "1",
    });
    expect(await sessionKeys(first.jar)).toEqual({ active: mastodonKey, keys: [mastodonKey] });
    expect((await api("/api/v1/timelines/home", first.jar)).status).toBe(200);
  });

  it("keeps the session when Pleroma serves a public endpoint to a dead token as anonymous", async () => {
    const { origin, jar } = await signedIn("akkoma");
    await revokeTokens(origin);
    expect((await api("/api/v1/timelines/public", jar)).status).toBe(200);
    expect(jar.cookies.size).toBe(1);
    expect(await errorCode(await api("/api/v1/timelines/home", jar))).toBe("session_revoked");
  });
});

async function errorCode(res: Response): Promise<unknown> {
  return ((await res.json()) as { error?: unknown }).error;
}

describe("a live token's refusals pass through", () => {
  it("keeps a live token's 403 (Mastodon's admin API for a non-admin) as the instance sent it", async () => {
    const { host, jar } = await signedIn("mastodon");
    const checksBefore = (await seen(host, VERIFY)).length;
    const first = await api("/api/v1/admin/accounts", jar);
    expect(first.status).toBe(403);
    expect(first.headers.get(OWN_ERROR_HEADER)).toBeNull();
    expect(await first.json()).toEqual({ error: "This action is outside the authorized scopes" });
    expect(first.headers.getSetCookie()).toEqual([]);
    // One check of the token, however many refusals follow within the interval.
    const second = await api("/api/v1/admin/accounts", jar);
    expect(second.status).toBe(403);
    expect((await seen(host, VERIFY)).length).toBe(checksBefore + 1);
    // Successful calls never cost a check.
    expect((await api("/api/v1/timelines/home", jar)).status).toBe(200);
    expect((await api("/api/v1/timelines/public", jar)).status).toBe(200);
    expect((await seen(host, VERIFY)).length).toBe(checksBefore + 1);
  });

  it("keeps a live token's 422 and 500 as the instance sent them", async () => {
    const { host, origin, jar } = await signedIn("mastodon");
    const blank = await api("/api/v1/statuses", jar, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "status=",
    });
    expect(blank.status).toBe(422);
    expect(await blank.json()).toEqual({ error: "Validation failed: Text can't be blank" });
    await injectFault(origin, { path: "/api/v1/timelines/home", kind: "status", status: 500, times: 1 });
    const broken = await api("/api/v1/timelines/home", jar);
    expect(broken.status).toBe(500);
    expect(broken.headers.get(OWN_ERROR_HEADER)).toBeNull();
    expect(jar.cookies.size).toBe(1);
    expect((await api("/api/v1/timelines/home", jar)).status).toBe(200);
    expect((await seen(host, VERIFY)).length).toBeGreaterThan(0);
  });

  it("keeps the session when the check itself cannot reach the instance", async () => {
    const { origin, jar } = await signedIn("akkoma");
    await injectFault(origin, { path: "/api/v1/timelines/home", kind: "status", status: 403, times: 1 });
    await injectFault(origin, { path: VERIFY, kind: "status", status: 502, times: 1 });
    expect((await api("/api/v1/timelines/home", jar)).status).toBe(403);
    expect(jar.cookies.size).toBe(1);
  });
});
