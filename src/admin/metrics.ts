/**
 * Prometheus text (exposition format 0.0.4) from the events of this isolate, for the self-hosted
 * server, where one workerd process serves everything (docs/operators.md "Metrics"). On
 * Cloudflare every isolate counts alone, so use the Analytics Engine binding there instead.
 *
 * Label cardinality is bounded: at most TRACKED_INSTANCES instances are counted by name (later
 * ones count as `other`), and the text names the TOP_INSTANCES busiest of them, the rest folded
 * into `other`. Event, outcome and reason come from closed lists (events.ts).
 */
import { addEventSink, type BffEvent, type EventName, type Outcome } from "../events.ts";

/** Instances counted by name at most; any further one counts as `other`. */
export const TRACKED_INSTANCES = 500;
/** Instances named in the text at most; the others are summed as `other`. */
export const TOP_INSTANCES = 20;

const OTHER = "other";
const NONE = "none";

interface Counts {
  total: number;
  /** `event|outcome|reason` → count */
  readonly events: Map<string, number>;
  /** `event` → [sum of ms, count] */
  readonly durations: Map<string, [number, number]>;
}

const byInstance = new Map<string, Counts>();

function countsOf(instance: string | null): Counts {
  let name = instance ?? NONE;
  if (!byInstance.has(name) && byInstance.size >= TRACKED_INSTANCES) name = OTHER;
  let counts = byInstance.get(name);
  if (counts === undefined) {
    counts = { total: 0, events: new Map(), durations: new Map() };
    byInstance.set(name, counts);
  }
  return counts;
}

/** Counts one event (the sink fedi-bff registers in every isolate). */
export function countEvent(event: BffEvent): void {
  const counts = countsOf(event.instance);
  counts.total++;
  const key = `${event.event}|${event.outcome}|${event.reason ?? ""}`;
  counts.events.set(key, (counts.events.get(key) ?? 0) + 1);
  if (event.durationMs !== null) {
    const [sum, n] = counts.durations.get(event.event) ?? [0, 0];
    counts.durations.set(event.event, [sum + event.durationMs, n + 1]);
  }
}

let registered = false;

/** Registers the counting sink once per isolate. */
export function countEvents(): void {
  if (registered) return;
  registered = true;
  addEventSink(countEvent);
}

/** Forgets every count (tests). */
export function resetCounts(): void {
  byInstance.clear();
}

/** The counts with at most TOP_INSTANCES named instances, the rest summed as `other`. */
function folded(): Map<string, Counts> {
  // `other` (the instances past TRACKED_INSTANCES) takes no place among the busiest.
  const ranked = [...byInstance].filter(([name]) => name !== OTHER).sort((a, b) => b[1].total - a[1].total);
  const overflow = byInstance.get(OTHER);
  if (overflow !== undefined) ranked.push([OTHER, overflow]);
  const result = new Map<string, Counts>();
  for (const [i, [name, counts]] of ranked.entries()) {
    const label = i < TOP_INSTANCES && name !== OTHER ? name : OTHER;
    const into = result.get(label) ?? { total: 0, events: new Map(), durations: new Map() };
    into.total += counts.total;
    for (const [k, v] of counts.events) into.events.set(k, (into.events.get(k) ?? 0) + v);
    for (const [k, [s, n]] of counts.durations) {
      const [s0, n0] = into.durations.get(k) ?? [0, 0];
      into.durations.set(k, [s0 + s, n0 + n]);
    }
    result.set(label, into);
  }
  return result;
}

/** The Prometheus text of every count. */
export function prometheusText(): string {
  const lines = [
    "# HELP fedi_bff_events_total fedi-bff events by instance, event, outcome and reason.",
    "# TYPE fedi_bff_events_total counter",
  ];
  const counts = folded();
  for (const [instance, c] of counts) {
    for (const [key, value] of c.events) {
      const [event, outcome, reason] = key.split("|") as [EventName, Outcome, string];
      lines.push(`fedi_bff_events_total${labels({ instance, event, outcome, reason })} ${value}`);
    }
  }
  lines.push(
    "# HELP fedi_bff_event_duration_seconds Time from the request's start to the event.",
    "# TYPE fedi_bff_event_duration_seconds summary",
  );
  for (const [instance, c] of counts) {
    for (const [event, [sum, n]] of c.durations) {
      lines.push(`fedi_bff_event_duration_seconds_sum${labels({ instance, event })} ${sum / 1000}`);
      lines.push(`fedi_bff_event_duration_seconds_count${labels({ instance, event })} ${n}`);
    }
  }
  return `${lines.join("\n")}\n`;
}

function labels(values: Record<string, string>): string {
  const parts = Object.entries(values).map(
    ([k, v]) => `${k}="${v.replace(/[\\"\n]/g, (ch) => (ch === "\n" ? "\\n" : `\\${ch}`))}"`,
  );
  return `{${parts.join(",")}}`;
}
