import { afterEach, describe, expect, it, vi } from "vitest";
import type { AdminResult, InstanceStatus } from "../../src/config/registrar-admin.ts";
import { CHECK_INTERVAL } from "../../src/registry/keeping.ts";
import { CookieJar, expectError, startLogin } from "../helpers/bff.ts";
import { deleteApp, fakeState, injectFault, uniqueHost } from "../helpers/fake.ts";
import { admin, captureLines, eventsNamed, TOKEN } from "./support.ts";

/** Anything as long as a token, secret, code, state or sealed cookie (the fake's are 43+ characters). */
const SECRET_LIKE = /[A-Za-z0-9_-]{40,}/;

afterEach(() => vi.restoreAllMocks());

const clientOf = (url: URL) => url.searchParams.get("client_id") ?? "";

describe("who may use the admin routes", () => {
  it("answers 404 when ADMIN_TOKEN is not set, with or without a token", async () => {
    for (const token of [TOKEN, null]) {
      const res = await admin("/_fedi-bff/instances", { token, env: {} });
      await expectError(res, 404, "not_found");
    }
  });

  it("answers 401 without the token, with a wrong one, or with it in the query", async () => {
    const host = uniqueHost("mastodon");
    const wrong = `${TOKEN.slice(0, -1)}x`;
    for (const [path, token] of [
      ["/_fedi-bff/instances", null],
      ["/_fedi-bff/instances", wrong],
      [`/_fedi-bff/instances/${host}`, "short"],
      [`/_fedi-bff/instances?token=${TOKEN}`, null],
    ] as const) {
      const res = await admin(path, { token });
      expect(res.headers.get("www-authenticate")).toMatch(/^Bearer/);
      await expectError(res, 401, "not_authenticated");
    }
    const action = await admin(`/_fedi-bff/instances/${host}/register`, { method: "POST", token: wrong });
    await expectError(action, 401, "not_authenticated");
    expect((await fakeState(host)).registrations).toBe(0);
  });

  it("does not exist on the self-hosted public listener, even with the token", async () => {
    const res = await admin("/_fedi-bff/instances", { headers: { "x-fedi-bff-listener": "public" } });
    await expectError(res, 404, "not_found");
  });

  it("refuses an unknown action and an instance name that is no host", async () => {
    const host = uniqueHost("mastodon");
    await expectError(
      await admin(`/_fedi-bff/instances/${host}/delete`, { method: "POST" }),
      404,
      "not_found",
    );
    await expectError(await admin("/_fedi-bff/instances/not%20a%20host"), 400, "invalid_instance");
  });
});

describe("an instance's status and its repair", () => {
  it("shows a deleted app as dead after a check; a forced registration heals it; both are events", async () => {
    const lines = captureLines();
    const host = uniqueHost("mastodon");
    const first = await startLogin(host, new CookieJar());
    let status = (await (await admin(`/_fedi-bff/instances/${host}`)).json()) as InstanceStatus;
    expect(status).toMatchObject({
      instance: host,
      registered: true,
      software: "mastodon",
      keeping: "anchored",
      anchored: true,
      lastCheck: { answer: "alive" },
      replacements: 0,
      backoff: null,
      registrationsThisHour: 1,
    });
    expect(status.clientFingerprint).toMatch(/^sha256:[0-9a-f]{16}$/);
    expect((await (await admin("/_fedi-bff/instances")).json()) as unknown).toMatchObject({
      instances: expect.arrayContaining([host]),
    });

    await deleteApp(`https://${host}`, clientOf(first));
    const checked = await admin(`/_fedi-bff/instances/${host}/check`, { method: "POST" });
    expect(checked.status).toBe(200);
    const check = (await checked.json()) as AdminResult;
    expect(check).toMatchObject({ action: "check", done: true, reason: "client_dead" });
    expect(check.status.lastCheck?.answer).toBe("dead");
    // Bounded like a login retry's check: once per CHECK_INTERVAL.
    const again = (await (
      await admin(`/_fedi-bff/instances/${host}/check`, { method: "POST" })
    ).json()) as AdminResult;
    expect(again).toMatchObject({ done: false, reason: "check_too_soon" });
    expect(again.retryAfter).toBeGreaterThan(CHECK_INTERVAL - 60);

    const forced = (await (
      await admin(`/_fedi-bff/instances/${host}/register`, { method: "POST" })
    ).json()) as AdminResult;
    expect(forced).toMatchObject({ action: "register", done: true, reason: "operator_forced" });
    expect(forced.status).toMatchObject({
      replacements: 1,
      lastCheck: { answer: "alive" },
      registrationsThisHour: 2,
    });
    expect(forced.status.clientFingerprint).not.toBe(status.clientFingerprint);
    status = forced.status;
    // Healed: a new login goes to the new app.
    const next = await startLogin(host, new CookieJar());
    expect(clientOf(next)).not.toBe(clientOf(first));
    expect((await fakeState(host)).registrations).toBe(2);
    // Bounded like an automatic replacement: not again at once.
    const twice = (await (
      await admin(`/_fedi-bff/instances/${host}/register`, { method: "POST" })
    ).json()) as AdminResult;
    expect(twice).toMatchObject({ done: false, reason: "replaced_too_soon" });
    expect((await fakeState(host)).registrations).toBe(2);

    const actions = eventsNamed(lines, "admin_action").filter((e) => e.instance === host);
    expect(actions.map((e) => [e.action, e.outcome, e.reason])).toEqual([
      ["check", "ok", "client_dead"],
      ["check", "refused", "check_too_soon"],
      ["register", "ok", "operator_forced"],
      ["register", "refused", "replaced_too_soon"],
    ]);
    const replaced = eventsNamed(lines, "registration_replaced").filter((e) => e.instance === host);
    expect(replaced.map((e) => e.reason)).toEqual(["operator_forced"]);
    for (const line of lines) expect(line).not.toMatch(SECRET_LIKE);
    expect(JSON.stringify(status)).not.toMatch(SECRET_LIKE);
    expect(JSON.stringify(status)).not.toContain(clientOf(next));
  });

  it("clears a back-off, but never an instance's own Retry-After", async () => {
    const host = uniqueHost("mastodon");
    await injectFault(`https://${host}`, { path: "/api/v1/apps", kind: "status", status: 500, times: 1 });
    await startLogin(host, new CookieJar()).catch(() => null);
    let status = (await (await admin(`/_fedi-bff/instances/${host}`)).json()) as InstanceStatus;
    expect(status.registered).toBe(false);
    expect(status.backoff?.error).toBe("registration_failed");
    const cleared = (await (
      await admin(`/_fedi-bff/instances/${host}/clear_backoff`, { method: "POST" })
    ).json()) as AdminResult;
    expect(cleared).toMatchObject({ done: true, reason: "backoff_cleared", status: { backoff: null } });
    await startLogin(host, new CookieJar());
    status = (await (await admin(`/_fedi-bff/instances/${host}`)).json()) as InstanceStatus;
    expect(status.registered).toBe(true);

    const limited = uniqueHost("mastodon");
    await injectFault(`https://${limited}`, {
      path: "/api/v1/apps",
      kind: "status",
      status: 429,
      headers: { "retry-after": "300" },
      times: 1,
    });
    await startLogin(limited, new CookieJar()).catch(() => null);
    const kept = (await (
      await admin(`/_fedi-bff/instances/${limited}/clear_backoff`, { method: "POST" })
    ).json()) as AdminResult;
    expect(kept).toMatchObject({ done: false, reason: "instance_rate_limited" });
    expect(kept.status.backoff?.error).toBe("registration_rate_limited");
  });

  it("shows an instance without a registration as such, and registers it on request", async () => {
    const host = uniqueHost("gts");
    const status = (await (await admin(`/_fedi-bff/instances/${host}`)).json()) as InstanceStatus;
    expect(status).toMatchObject({
      instance: host,
      registered: false,
      clientFingerprint: null,
      replacements: 0,
    });
    const forced = (await (
      await admin(`/_fedi-bff/instances/${host}/register`, { method: "POST" })
    ).json()) as AdminResult;
    expect(forced).toMatchObject({ done: true, status: { registered: true, software: "gotosocial" } });
  });
});
