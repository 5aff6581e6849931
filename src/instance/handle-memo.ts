/**
 * A per-isolate memo for login by handle. Each resolution sends GETs to hosts the handle's domain
 * chooses, so an unbounded one turns a login start into a blind request generator: successes are
 * remembered per handle, failures per handle, and hosts whose resolutions keep failing are left
 * alone for a while. Bounded in size; lost with the isolate, which is fine for a brake.
 */

/** A resolved handle is reused this long (a move to another server is rare). */
export const SUCCESS_TTL_MS = 10 * 60_000;
/** A handle that was not found is answered from memory this long. */
export const FAILURE_TTL_MS = 60_000;
/** Failed resolutions touching one host within FAILURE_WINDOW_MS before the host is backed off. */
export const HOST_FAILURE_LIMIT = 5;
export const FAILURE_WINDOW_MS = 60_000;
/** Entries kept per map; the oldest goes first. */
export const MAX_ENTRIES = 1_000;

interface Outcome<T> {
  readonly value: T | null;
  readonly until: number;
}

interface Failures {
  count: number;
  readonly windowEnd: number;
}

export class HandleMemo<T> {
  readonly #outcomes = new Map<string, Outcome<T>>();
  readonly #failures = new Map<string, Failures>();

  /** The remembered outcome: a value, null (not found), or undefined (unknown: resolve it). */
  outcome(key: string, now: number): T | null | undefined {
    const hit = this.#outcomes.get(key);
    if (hit === undefined) return undefined;
    if (hit.until > now) return hit.value;
    this.#outcomes.delete(key);
    return undefined;
  }

  remember(key: string, value: T | null, now: number): void {
    const until = now + (value === null ? FAILURE_TTL_MS : SUCCESS_TTL_MS);
    this.#outcomes.delete(key);
    this.#outcomes.set(key, { value, until });
    trim(this.#outcomes);
  }

  /** Milliseconds until `host` may be contacted again, or 0 when it may be now. */
  backedOff(host: string, now: number): number {
    const entry = this.#failures.get(host);
    if (entry === undefined || entry.windowEnd <= now) return 0;
    return entry.count >= HOST_FAILURE_LIMIT ? entry.windowEnd - now : 0;
  }

  /** Counts one failed resolution against every host it contacted. */
  recordFailure(hosts: Iterable<string>, now: number): void {
    for (const host of hosts) {
      const entry = this.#failures.get(host);
      if (entry === undefined || entry.windowEnd <= now) {
        this.#failures.delete(host);
        this.#failures.set(host, { count: 1, windowEnd: now + FAILURE_WINDOW_MS });
      } else entry.count++;
    }
    trim(this.#failures);
  }
}

function trim(map: Map<string, unknown>): void {
  for (const key of map.keys()) {
    if (map.size <= MAX_ENTRIES) return;
    map.delete(key);
  }
}
