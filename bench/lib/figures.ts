/**
 * The throughput figures of one workload and the budgets they answer to. A proxy that may not hand
 * the instance's response head to the browser (Set-Cookie, the instance's CORS headers) must build
 * a new one, and the `new-head` reference Worker does only that: it is the runtime's floor for such
 * a proxy, so fedi-bff's throughput and CPU are budgeted against it, in the same run. The ratio to
 * the bare pass-through is reported beside them as a figure; the latency budget is judged at a
 * fixed offered load (fixed-load-figures.ts).
 */
import { fixedLoadFigures } from "./fixed-load-figures.ts";
import {
  BUDGETS,
  judgedOn,
  maybeBudgeted,
  NAMES,
  perRound,
  problemFigure,
  ratioFigure,
  spreadOf,
} from "./judging.ts";
import { median } from "./load.ts";
import { openFloorFigures } from "./open-floor-figures.ts";
import { med, onlyComplete, type Rounds, TARGETS, type Target, type Throughput } from "./phases.ts";
import { type Figure, figure, fmt } from "./report.ts";

/** Per-target figures over every run that produced figures (a lost run has none). */
function perTarget(label: string, all: Rounds): Figure[] {
  const out: Figure[] = [];
  const measured = (target: Target) => all[target].filter((r) => r.broken === undefined);
  const rounds = Object.fromEntries(TARGETS.map((t) => [t, measured(t)])) as Rounds;
  for (const target of TARGETS) {
    const runs = rounds[target];
    if (runs.length === 0) continue;
    const rps = runs.map((r) => r.rps);
    out.push(figure(`${label}: ${NAMES[target]} req/s`, median(rps), "req/s", spreadOf(rps, fmt.int)));
    out.push(
      figure(
        `${label}: ${NAMES[target]} p50 / p99 at saturation`,
        med(runs, "p50"),
        "ms",
        `${fmt.ms(med(runs, "p50"))} / ${fmt.ms(med(runs, "p99"))}`,
      ),
    );
  }
  const cpu = (target: Target) => med(rounds[target], "workerdUsPerRequest");
  const shown = (["pass", "newHead", "newHeadOpen", "bff", "mounted", "self"] as const).filter(
    (t) => rounds[t].length > 0,
  );
  out.push(
    figure(
      `${label}: workerd CPU per request, ${shown.map((t) => NAMES[t]).join(" / ")}`,
      cpu("bff"),
      "µs",
      shown.map((t) => fmt.us(cpu(t))).join(" / "),
    ),
  );
  return out;
}

/**
 * Figures for one workload run on pass, newHead and bff (direct, newHeadOpen, mounted and self
 * optional), with its fixed-load runs when it has them. `gated` false reports the same ratios with
 * no budget.
 */
export function throughputFigures(label: string, measured: Throughput, gated: boolean): Figure[] {
  const all = measured.saturated;
  const rounds = onlyComplete(all);
  const { bff, newHead, pass } = rounds;
  const budgets = (target: "bff" | "mounted" | "self") =>
    budgetFigures(label, rounds, target, gated, judgedOn(all));
  return [
    ...perTarget(label, all),
    problemFigure(label, all),
    ...budgets("bff"),
    ratioFigure(`${label}: fedi-bff ÷ pass-through req/s`, bff, pass),
    ratioFigure(`${label}: new-head ÷ pass-through req/s`, newHead, pass),
    // fedi-bff as a library mounted in a Hono app answers to the same budgets, when it ran.
    ...(rounds.mounted.length > 0
      ? [
          ...budgets("mounted"),
          ratioFigure(`${label}: fedi-bff mounted ÷ fedi-bff req/s`, rounds.mounted, bff),
        ]
      : []),
    // The self-hosted configuration answers to the same budgets, when it ran; beside them, what
    // it costs over the Cloudflare-like copy in the same rounds (the same code: about 1).
    ...(rounds.self.length > 0
      ? [...budgets("self"), ratioFigure(`${label}: self-hosted ÷ fedi-bff req/s`, rounds.self, bff)]
      : []),
    ...openFloorFigures(label, all),
    ...(measured.fixed === undefined ? [] : fixedLoadFigures(label, measured.fixed, gated)),
  ];
}

/**
 * The throughput budgets of one fedi-bff target (`bff` as on Cloudflare, `mounted` in a Hono app,
 * `self` as self-hosted), and its added p50 at saturation as a figure with no budget.
 */
function budgetFigures(
  label: string,
  rounds: Rounds,
  target: "bff" | "mounted" | "self",
  gated: boolean,
  judged: string,
): Figure[] {
  const { newHead, pass } = rounds;
  const runs = rounds[target];
  const name = NAMES[target];
  const rpsOverNewHead = perRound(runs, newHead, (b, n) => b.rps / n.rps);
  const cpuOverNewHead = perRound(runs, newHead, (b, n) => b.workerdUsPerRequest / n.workerdUsPerRequest);
  const added = perRound(runs, pass, (b, p) => b.p50 - p.p50);
  return [
    maybeBudgeted(
      gated,
      `${label}: ${name} ÷ new-head req/s`,
      rpsOverNewHead,
      "ratio",
      fmt.ratio,
      `≥ ${BUDGETS.rpsOverNewHead.toFixed(2)}`,
      (r) => r >= BUDGETS.rpsOverNewHead,
      judged,
    ),
    maybeBudgeted(
      gated,
      `${label}: ${name} ÷ new-head workerd CPU per request`,
      cpuOverNewHead,
      "ratio",
      fmt.ratio,
      `≤ ${BUDGETS.cpuOverNewHead.toFixed(2)}`,
      (r) => r <= BUDGETS.cpuOverNewHead,
      judged,
    ),
    // At saturation the p50 is about connections ÷ req/s: a throughput figure, not a budget.
    maybeBudgeted(
      false,
      `${label}: ${target === "bff" ? "" : `${name} `}added p50 over pass-through at saturation (p50 ≈ connections ÷ req/s)`,
      added,
      "ms",
      fmt.ms,
      "",
      () => true,
      judged,
    ),
  ];
}

/** fedi-bff with one session against fedi-bff with many: what a busy deployment loses. */
export function manySessionsFigures(label: string, oneAll: Rounds, manyAll: Rounds, count: string): Figure[] {
  const [one, many] = [onlyComplete(oneAll), onlyComplete(manyAll)];
  const names = [
    `${label}: fedi-bff req/s, 1 session → ${count} sessions`,
    `${label}: fedi-bff workerd CPU per request, 1 session → ${count} sessions`,
    `${label}: fedi-bff p50 at saturation, 1 session → ${count} sessions`,
  ];
  if (one.bff.length === 0 || many.bff.length === 0)
    return names.map((name) => figure(name, Number.NaN, "", "no complete round on one side"));
  const rps = (r: Rounds) => med(r.bff, "rps");
  const cpu = (r: Rounds) => med(r.bff, "workerdUsPerRequest");
  const p50 = (r: Rounds) => med(r.bff, "p50");
  return [
    figure(
      names[0] as string,
      rps(many),
      "req/s",
      `${fmt.int(rps(one))} → ${fmt.int(rps(many))} (${fmt.ratio(rps(many) / rps(one))} ×)`,
    ),
    figure(
      names[1] as string,
      cpu(many),
      "µs",
      `${fmt.us(cpu(one))} → ${fmt.us(cpu(many))} (+${fmt.us(cpu(many) - cpu(one))})`,
    ),
    figure(names[2] as string, p50(many), "ms", `${fmt.ms(p50(one))} → ${fmt.ms(p50(many))}`),
  ];
}
