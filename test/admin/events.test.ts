/**
 * Events with outcomes: a login's lines join from start to end, and the funnel of 100 logins with
 * a known mix of outcomes comes out exact in the hook, the Analytics Engine data points and the
 * Prometheus text — from the same events.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { prometheusText, resetCounts } from "../../src/admin/metrics.ts";
import type { Env } from "../../src/config/env.ts";
import { addEventSink, type BffEvent, EVENT_NAMES, REASONS } from "../../src/events.ts";
import { createFediBff } from "../../src/lib.ts";
import { bff, CookieJar } from "../helpers/bff.ts";
import { approve, injectFault, uniqueHost } from "../helpers/fake.ts";
import { captureLines, eventsNamed } from "./support.ts";

afterEach(() => vi.restoreAllMocks());

const LINE_FIELDS = [
  "level",
  "event",
  "request_id",
  "login_id",
  "instance",
  "software",
  "duration_ms",
  "outcome",
  "error",
  "reason",
  "action",
  "internal",
];

/** An Analytics Engine dataset that keeps its data points. */
function dataset() {
  const points: AnalyticsEngineDataPoint[] = [];
  return { points, binding: { writeDataPoint: (p?: AnalyticsEngineDataPoint) => p && points.push(p) } };
}

describe("a login's events", () => {
  it("join by login_id from start to completion, each with a request id, instance, software, duration and outcome", async () => {
    const lines = captureLines();
    const host = uniqueHost("gts");
    const jar = new CookieJar();
    const start = await bff(`/auth/login?instance=${host}`, { jar });
    const back = await approve(start.headers.get("location") ?? "", { user: "alice" });
    await bff(back.pathname + back.search, { jar });
    const [started] = eventsNamed(lines, "login_started").filter((e) => e.instance === host);
    const [completed] = eventsNamed(lines, "login_completed").filter((e) => e.instance === host);
    expect(started).toMatchObject({ outcome: "ok", software: "gotosocial", level: "info" });
    expect(completed).toMatchObject({ outcome: "ok", software: "gotosocial", login_id: started?.login_id });
    expect(started?.login_id).toMatch(/^[A-Za-z0-9_-]{16}$/);
    for (const e of [started, completed]) {
      expect(e?.request_id).toMatch(/^[0-9a-f]{16}$/);
      expect(typeof e?.duration_ms).toBe("number");
    }
    expect(started?.request_id).not.toBe(completed?.request_id);
    const state = new URL(start.headers.get("location") ?? "").searchParams.get("state") ?? "";
    for (const line of lines) expect(line).not.toContain(state);
    // The published line schema (docs/operators.md): these fields and no other.
    const events = lines
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const withOutcome = events.filter((e) => (EVENT_NAMES as readonly unknown[]).includes(e.event));
    expect(withOutcome.length).toBeGreaterThan(2);
    for (const e of withOutcome) {
      for (const key of Object.keys(e)) expect(LINE_FIELDS, key).toContain(key);
      expect(["ok", "refused", "failed"]).toContain(e.outcome);
      if (e.reason !== undefined) expect(REASONS).toContain(e.reason);
    }
  });

  it("name the instance of a login start that failed, when the query named a valid host", async () => {
    const lines = captureLines();
    const host = uniqueHost("mastodon");
    await injectFault(`https://${host}`, { path: "/api/v1/apps", kind: "status", status: 500, times: 1 });
    await bff(`/auth/login?instance=${host}`);
    await bff("/auth/login?instance=not%20a%20host");
    const failed = eventsNamed(lines, "login_failed");
    expect(failed.find((e) => e.instance === host)).toMatchObject({
      outcome: "failed",
      error: "registration_failed",
      reason: "upstream_status",
    });
    expect(failed.find((e) => e.error === "invalid_instance")).toMatchObject({ outcome: "refused" });
    expect(failed.find((e) => e.error === "invalid_instance")?.instance).toBeUndefined();
  });

  it("reach the library's onEvent hook as typed events", async () => {
    const seen: BffEvent[] = [];
    const handler = createFediBff({ onEvent: (e) => seen.push(e) });
    expect(() => createFediBff({ onEvent: "no" as unknown as () => void })).toThrow(TypeError);
    const host = uniqueHost("mastodon");
    await bff(`/auth/login?instance=${host}`, {});
    const mine = seen.filter((e) => e.instance === host);
    expect(mine.map((e) => e.event)).toEqual(["registration_created", "client_checked", "login_started"]);
    for (const e of mine) {
      expect(EVENT_NAMES).toContain(e.event);
      if (e.reason !== null) expect(REASONS).toContain(e.reason);
    }
    expect(typeof handler.fetch).toBe("function");
  });
});

describe("the login funnel", () => {
  it("counts 100 logins with a known mix exactly in the hook, Analytics Engine and Prometheus", async () => {
    captureLines();
    const host = uniqueHost("mastodon");
    const ae = dataset();
    const env: Partial<Env> = { METRICS: ae.binding as unknown as AnalyticsEngineDataset };
    const hooked: BffEvent[] = [];
    const removeHook = addEventSink((e) => {
      if (e.instance === host) hooked.push(e);
    });
    resetCounts();
    const start = async (jar: CookieJar) =>
      (await bff(`/auth/login?instance=${host}`, { jar, env })).headers.get("location") ?? "";
    const finish = async (authorize: string, jar: CookieJar, deny = false) => {
      const back = await approve(authorize, { user: "alice", deny });
      return bff(back.pathname + back.search, { jar, env });
    };
    try {
      // 50 completed.
      for (let i = 0; i < 50; i++) {
        const jar = new CookieJar();
        await finish(await start(jar), jar);
      }
      // 20 denied on the instance.
      for (let i = 0; i < 20; i++) {
        const jar = new CookieJar();
        await finish(await start(jar), jar, true);
      }
      // 10 whose code exchange fails (the instance answers 500).
      for (let i = 0; i < 10; i++) {
        const jar = new CookieJar();
        const authorize = await start(jar);
        await injectFault(`https://${host}`, { path: "/oauth/token", kind: "status", status: 500, times: 1 });
        await finish(authorize, jar);
      }
      // 10 started, given up and started again in the same browser, the second completed.
      for (let i = 0; i < 10; i++) {
        const jar = new CookieJar();
        await start(jar);
        await finish(await start(jar), jar);
      }
    } finally {
      removeHook();
    }
    const expected = { login_started: 100, login_completed: 60, login_failed: 30, login_abandoned: 10 };
    const funnel = (names: string[]) =>
      Object.fromEntries(Object.keys(expected).map((k) => [k, names.filter((n) => n === k).length]));
    expect(funnel(hooked.map((e) => e.event))).toEqual(expected);
    const points = ae.points.filter((p) => p.indexes?.[0] === host);
    expect(funnel(points.map((p) => String(p.blobs?.[0])))).toEqual(expected);
    expect(prometheusFunnel(prometheusText(), host)).toEqual(expected);
    const failed = hooked.filter((e) => e.event === "login_failed");
    expect(failed.filter((e) => e.reason === "user_denied" && e.error === "access_denied")).toHaveLength(20);
    expect(failed.filter((e) => e.error === "token_exchange_failed" && e.outcome === "failed")).toHaveLength(
      10,
    );
  });
});

/** `event` → count of the login events of `instance` in Prometheus text (summed over outcome and reason). */
function prometheusFunnel(text: string, instance: string): Record<string, number> {
  const counts: Record<string, number> = {
    login_started: 0,
    login_completed: 0,
    login_failed: 0,
    login_abandoned: 0,
  };
  for (const line of text.split("\n")) {
    const m = /^fedi_bff_events_total\{instance="([^"]*)",event="([^"]*)",[^}]*\} (\d+)$/.exec(line);
    if (m === null || m[1] !== instance || !((m[2] as string) in counts)) continue;
    counts[m[2] as string] = (counts[m[2] as string] ?? 0) + Number(m[3]);
  }
  return counts;
}
