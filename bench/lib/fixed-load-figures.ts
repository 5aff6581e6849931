/**
 * The latency budget's figures. At saturation on a CPU-bound machine the p50 is about connections
 * ÷ req/s — a throughput figure in disguise —, so the time fedi-bff adds to a request is measured
 * where the runtime is not queueing: pass-through and every fedi-bff target at one fixed offered
 * rate, half the slowest of their saturated rates in the same round.
 */
import {
  BUDGETS,
  FIXED_LOAD_SHARE,
  judgedOn,
  maybeBudgeted,
  NAMES,
  perRound,
  problemFigure,
  spreadOf,
} from "./judging.ts";
import { median } from "./load.ts";
import { FIXED_LOAD_TARGETS, type FixedLoad, med, onlyComplete } from "./phases.ts";
import { type Figure, figure, fmt } from "./report.ts";

/** The fixed-load figures of one workload, and its added-p50 budgets (when `gated`). */
export function fixedLoadFigures(label: string, fixed: FixedLoad, gated: boolean): Figure[] {
  const complete = onlyComplete(fixed.rounds);
  const judged = judgedOn(fixed.rounds);
  const rates = fixed.rates.filter(Number.isFinite);
  const measured = FIXED_LOAD_TARGETS.filter((t) => fixed.rounds[t].some((r) => r.broken === undefined));
  const p50 = (t: (typeof FIXED_LOAD_TARGETS)[number]) =>
    med(
      fixed.rounds[t].filter((r) => r.broken === undefined),
      "p50",
    );
  const out: Figure[] = [
    figure(
      `${label}: fixed load, offered req/s (${FIXED_LOAD_SHARE * 100} % of the slowest saturated of ${FIXED_LOAD_TARGETS.map((t) => NAMES[t]).join(", ")})`,
      median(rates),
      "req/s",
      rates.length === 0 ? "no saturated rate" : spreadOf(rates, fmt.int),
    ),
    figure(
      `${label}: fixed load, p50 ${measured.map((t) => NAMES[t]).join(" / ")}`,
      p50("bff"),
      "ms",
      measured.map((t) => fmt.ms(p50(t))).join(" / "),
    ),
    problemFigure(`${label}, fixed load`, fixed.rounds),
  ];
  for (const target of ["bff", "mounted", "self"] as const) {
    if (fixed.rounds[target].length === 0) continue;
    const added = perRound(complete[target], complete.pass, (b, p) => b.p50 - p.p50);
    out.push(
      maybeBudgeted(
        gated,
        `${label}: ${target === "bff" ? "" : `${NAMES[target]} `}added p50 over pass-through, fixed load`,
        added,
        "ms",
        fmt.ms,
        `≤ ${BUDGETS.addedP50Ms} ms`,
        (d) => d <= BUDGETS.addedP50Ms,
        judged,
      ),
    );
  }
  return out;
}
