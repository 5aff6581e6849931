import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  countEvent,
  prometheusText,
  resetCounts,
  TOP_INSTANCES,
  TRACKED_INSTANCES,
} from "../../src/admin/metrics.ts";
import type { BffEvent } from "../../src/events.ts";

beforeEach(() => resetCounts());
afterEach(() => resetCounts());

function event(instance: string | null, overrides: Partial<BffEvent> = {}): BffEvent {
  return {
    event: "login_started",
    requestId: null,
    instance,
    software: null,
    durationMs: 20,
    outcome: "ok",
    error: null,
    reason: null,
    ...overrides,
  };
}

/** instance label → summed fedi_bff_events_total. */
function totals(text: string): Map<string, number> {
  const sums = new Map<string, number>();
  for (const m of text.matchAll(/^fedi_bff_events_total\{instance="([^"]*)",[^}]*\} (\d+)$/gm)) {
    sums.set(m[1] as string, (sums.get(m[1] as string) ?? 0) + Number(m[2]));
  }
  return sums;
}

describe("the Prometheus text", () => {
  it("names at most TOP_INSTANCES instances, the busiest, and sums the rest as other, whatever comes in", () => {
    let all = 0;
    // Instance i gets i + 1 events; 100 more instances past the tracked ones get 1000 each.
    for (let i = 0; i < TRACKED_INSTANCES; i++) {
      for (let n = 0; n <= i; n++) countEvent(event(`i${i}.example`));
      all += i + 1;
    }
    for (let i = 0; i < 100; i++) {
      for (let n = 0; n < 1000; n++) countEvent(event(`late${i}.example`));
      all += 1000;
    }
    const sums = totals(prometheusText());
    const busiest = Array.from({ length: TOP_INSTANCES }, (_, k) => `i${TRACKED_INSTANCES - 1 - k}.example`);
    expect([...sums.keys()].sort()).toEqual([...busiest, "other"].sort());
    for (const name of busiest) expect(sums.get(name)).toBe(Number(name.slice(1, name.indexOf("."))) + 1);
    expect([...sums.values()].reduce((a, b) => a + b, 0)).toBe(all);
  });

  it("keeps labels from closed lists, escapes a label value and sums durations in seconds", () => {
    countEvent(event('we"ird\\host', { durationMs: 1500 }));
    countEvent(
      event(null, { event: "login_failed", outcome: "refused", reason: "user_denied", durationMs: 500 }),
    );
    const text = prometheusText();
    expect(text).toContain(
      'fedi_bff_events_total{instance="we\\"ird\\\\host",event="login_started",outcome="ok",reason=""} 1',
    );
    expect(text).toContain(
      'fedi_bff_events_total{instance="none",event="login_failed",outcome="refused",reason="user_denied"} 1',
    );
    expect(text).toContain('fedi_bff_event_duration_seconds_sum{instance="none",event="login_failed"} 0.5');
    expect(text).toContain('fedi_bff_event_duration_seconds_count{instance="none",event="login_failed"} 1');
  });
});
