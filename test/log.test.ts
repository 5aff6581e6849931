/**
 * Every log line is one JSON object with an event from the closed set, and none carries a token,
 * a client secret, a code or a cookie, whatever fails along the way.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { EVENT_NAMES, LOG_EVENTS, log } from "../src/log.ts";
import { bff, CookieJar, fullLogin, startLogin } from "./helpers/bff.ts";
import { deleteApp, injectFault, uniqueHost } from "./helpers/fake.ts";

/** Anything as long as a token, secret, code or sealed cookie segment (the fake's are 43+ characters). */
const SECRET_LIKE = /[A-Za-z0-9_-]{40,}/;

afterEach(() => vi.restoreAllMocks());

function captureLogs(): string[] {
  const lines: string[] = [];
  for (const method of ["info", "warn", "error", "log"] as const) {
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
      lines.push(args.map(String).join(" "));
    });
  }
  return lines;
}

describe("the log", () => {
  it("writes named JSON events without a token, secret, code or cookie through failing logins, calls and logouts", async () => {
    const lines = captureLogs();
    const host = uniqueHost("mastodon");
    await startLogin(host, new CookieJar());
    await injectFault(host, {
      path: "/api/v1/accounts/verify_credentials",
      kind: "status",
      status: 500,
      times: 1,
    });
    await fullLogin(host);
    const { jar } = await fullLogin(host);
    await injectFault(host, { path: "/api/v1/timelines/home", kind: "status", status: 401, times: 1 });
    await bff("/api/v1/timelines/home", { jar, headers: { "x-csrf": "1" } });
    const { jar: other } = await fullLogin(host, { user: "bob" });
    await injectFault(host, { path: "/oauth/revoke", kind: "status", status: 500 });
    await bff("/auth/logout", { method: "POST", jar: other, headers: { "x-csrf": "1" } });
    const gts = uniqueHost("gts");
    const retry = new CookieJar();
    const first = await startLogin(gts, retry);
    await deleteApp(gts, first.searchParams.get("client_id") ?? "");
    await startLogin(gts, retry);
    await injectFault(uniqueHost("mastodon"), { path: "/api/v1/apps", kind: "status", status: 500 });

    expect(lines.length).toBeGreaterThan(3);
    const events = new Set<string>();
    for (const line of lines) {
      const entry = JSON.parse(line) as { event?: unknown; level?: unknown };
      expect(LOG_EVENTS).toContain(entry.event);
      events.add(String(entry.event));
      expect(line).not.toMatch(SECRET_LIKE);
    }
    // Every event with an outcome but those this walk cannot reach, and a failed request.
    const unreached: readonly string[] = ["registration_failed", "instance_throttled", "admin_action"];
    const reached = EVENT_NAMES.filter((e) => !unreached.includes(e));
    expect([...events]).toEqual(expect.arrayContaining(["request_failed", ...reached]));
  });

  it("keeps the line's own level and event whatever the fields are named", () => {
    const lines = captureLogs();
    log("warn", "kv_write_failed", { level: "info", event: "login_completed", host: "example.org" });
    expect(lines.map((line) => JSON.parse(line))).toEqual([
      { level: "warn", event: "kv_write_failed", host: "example.org" },
    ]);
  });
});
