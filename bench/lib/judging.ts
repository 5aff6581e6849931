/**
 * What every throughput figure is built from: the budgets, the targets' names, per-round ratios
 * (round i of every target ran under the same machine load) and the rule that only complete rounds
 * judge a budget.
 */
import { median } from "./load.ts";
import { completeRounds, type Rounds, TARGETS, type Target, type TargetRun } from "./phases.ts";
import { budgeted, type Figure, figure, fmt } from "./report.ts";

export const BUDGETS = {
  /** fedi-bff req/s ÷ new-head req/s, per round, median over rounds: at least this. */
  rpsOverNewHead: 0.9,
  /** fedi-bff ÷ new-head workerd CPU per request, per round, median over rounds: at most this. */
  cpuOverNewHead: 1.15,
  /**
   * fedi-bff p50 − pass-through p50 at the same fixed offered rate (half the slowest saturated
   * rate), per round, median over rounds: at most this many ms.
   */
  addedP50Ms: 1,
} as const;

/** The fixed offered rate of the latency runs, as a share of the slowest saturated req/s of the round. */
export const FIXED_LOAD_SHARE = 0.5;

export const NAMES: Record<Target, string> = {
  direct: "direct",
  pass: "pass-through",
  newHead: "new-head",
  newHeadOpen: "new-head-open",
  bff: "fedi-bff",
  mounted: "fedi-bff mounted",
  self: "self-hosted",
};

export const spreadOf = (xs: readonly number[], f: (n: number) => string) =>
  `${f(median(xs))} [${f(Math.min(...xs))}–${f(Math.max(...xs))}]`;

/** Per-round values of two targets' runs (rounds alternate, so round i of each ran together). */
export const perRound = (a: TargetRun[], b: TargetRun[], f: (x: TargetRun, y: TargetRun) => number) =>
  a.map((x, i) => f(x, b[i] as TargetRun));

/**
 * A figure with a budget when `gated`, the same figure with none otherwise. `values` come from the
 * complete rounds only; with none there is no verdict (`pass` null), never a guess.
 */
export function maybeBudgeted(
  gated: boolean,
  name: string,
  values: number[],
  unit: string,
  f: (n: number) => string,
  budget: string,
  passes: (n: number) => boolean,
  judged: string,
): Figure {
  if (values.length === 0) {
    const shown = `no complete round (${judged})`;
    return gated
      ? budgeted(name, Number.NaN, unit, shown, budget, null)
      : figure(name, Number.NaN, unit, shown);
  }
  const value = median(values);
  const shown = `${spreadOf(values, f)}${judged === "" ? "" : ` (${judged})`}`;
  return gated ? budgeted(name, value, unit, shown, budget, passes(value)) : figure(name, value, unit, shown);
}

/** "" when every round was complete, else "5 of 7 rounds": what a ratio was judged on. */
export function judgedOn(rounds: Rounds): string {
  const complete = completeRounds(rounds);
  const n = complete.filter(Boolean).length;
  return n === complete.length ? "" : `${n} of ${complete.length} rounds`;
}

/**
 * What the load generator could not get, per target, summed over the rounds: requests that timed
 * out, connection errors and answers with another status. All zero in a healthy run; never a crash.
 */
export function problemFigure(label: string, rounds: Rounds): Figure {
  const parts: string[] = [];
  let total = 0;
  for (const target of TARGETS) {
    const runs = rounds[target];
    if (runs.length === 0) continue;
    const sum = (key: "timeouts" | "errors" | "unexpected") => runs.reduce((n, r) => n + r[key], 0);
    const broken = runs.filter((r) => r.broken !== undefined).length;
    const [timeouts, errors, unexpected] = [sum("timeouts"), sum("errors"), sum("unexpected")];
    total += timeouts + errors + unexpected + broken;
    if (timeouts + errors + unexpected + broken > 0)
      parts.push(
        `${NAMES[target]} ${timeouts}/${errors}/${unexpected}${broken > 0 ? ` (${broken} runs lost)` : ""}`,
      );
  }
  const complete = completeRounds(rounds);
  return figure(
    `${label}: load-generator timeouts / errors / unexpected statuses`,
    total,
    "requests",
    total === 0
      ? `none (${complete.length} of ${complete.length} rounds complete)`
      : `${parts.join(", ")}; ${complete.filter(Boolean).length} of ${complete.length} rounds complete`,
  );
}

export function ratioFigure(name: string, a: TargetRun[], b: TargetRun[]): Figure {
  const ratios = perRound(a, b, (x, y) => x.rps / y.rps);
  if (ratios.length === 0) return figure(name, Number.NaN, "ratio", "no complete round");
  return figure(name, median(ratios), "ratio", spreadOf(ratios, fmt.ratio));
}
