/**
 * The throughput figures of one workload and the budgets they answer to. A proxy that may not hand
 * the instance's response head to the browser (Set-Cookie, the instance's CORS headers) must build
 * a new one, and the `new-head` reference Worker does only that: it is the runtime's floor for such
 * a proxy, so fedi-bff's throughput and CPU are budgeted against it, in the same run. The ratio to
 * the bare pass-through is reported beside them as a figure.
 */
import { median } from "./load.ts";
import {
  completeRounds,
  med,
  onlyComplete,
  type Rounds,
  TARGETS,
  type Target,
  type TargetRun,
} from "./phases.ts";
import { budgeted, type Figure, figure, fmt } from "./report.ts";

export const BUDGETS = {
  /** fedi-bff req/s ÷ new-head req/s, per round, median over rounds: at least this. */
  rpsOverNewHead: 0.9,
  /** fedi-bff ÷ new-head workerd CPU per request, per round, median over rounds: at most this. */
  cpuOverNewHead: 1.15,
  /** fedi-bff p50 − pass-through p50, per round, median over rounds: at most this many ms. */
  addedP50Ms: 1,
} as const;

export const NAMES: Record<Target, string> = {
  direct: "direct",
  pass: "pass-through",
  newHead: "new-head",
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
function maybeBudgeted(
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
function judgedOn(rounds: Rounds): string {
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
        `${label}: ${NAMES[target]} p50 / p99`,
        med(runs, "p50"),
        "ms",
        `${fmt.ms(med(runs, "p50"))} / ${fmt.ms(med(runs, "p99"))}`,
      ),
    );
  }
  const cpu = (target: Target) => med(rounds[target], "workerdUsPerRequest");
  const shown = (["pass", "newHead", "bff", "mounted", "self"] as const).filter((t) => rounds[t].length > 0);
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
 * Figures for one workload run on pass, newHead and bff (direct optional). `gated` false reports
 * the same ratios with no budget (a workload the budgets do not cover yet).
 */
export function throughputFigures(label: string, all: Rounds, gated: boolean): Figure[] {
  const rounds = onlyComplete(all);
  const { bff, newHead, pass } = rounds;
  return [
    ...perTarget(label, all),
    problemFigure(label, all),
    ...budgetFigures(label, rounds, "bff", gated, judgedOn(all)),
    ratioFigure(`${label}: fedi-bff ÷ pass-through req/s`, bff, pass),
    ratioFigure(`${label}: new-head ÷ pass-through req/s`, newHead, pass),
    // fedi-bff as a library mounted in a Hono app answers to the same budgets, when it ran.
    ...(rounds.mounted.length > 0
      ? [
          ...budgetFigures(label, rounds, "mounted", gated, judgedOn(all)),
          ratioFigure(`${label}: fedi-bff mounted ÷ fedi-bff req/s`, rounds.mounted, bff),
        ]
      : []),
    // The self-hosted configuration answers to the same budgets, when it ran; beside them, what
    // it costs over the Cloudflare-like copy in the same rounds (the same code: about 1).
    ...(rounds.self.length > 0
      ? [
          ...budgetFigures(label, rounds, "self", gated, judgedOn(all)),
          ratioFigure(`${label}: self-hosted ÷ fedi-bff req/s`, rounds.self, bff),
        ]
      : []),
  ];
}

/** The three budgets of one fedi-bff target (`bff` as on Cloudflare, `mounted` in a Hono app, `self` as self-hosted). */
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
  const ms = (n: number) => `${n.toFixed(2)} ms`;
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
    maybeBudgeted(
      gated,
      `${label}: ${target === "bff" ? "" : `${name} `}added p50 over pass-through`,
      added,
      "ms",
      ms,
      `≤ ${BUDGETS.addedP50Ms} ms`,
      (d) => d <= BUDGETS.addedP50Ms,
      judged,
    ),
  ];
}

function ratioFigure(name: string, a: TargetRun[], b: TargetRun[]): Figure {
  const ratios = perRound(a, b, (x, y) => x.rps / y.rps);
  if (ratios.length === 0) return figure(name, Number.NaN, "ratio", "no complete round");
  return figure(name, median(ratios), "ratio", spreadOf(ratios, fmt.ratio));
}

/** fedi-bff with one session against fedi-bff with many: what a busy deployment loses. */
export function manySessionsFigures(label: string, oneAll: Rounds, manyAll: Rounds, count: string): Figure[] {
  const [one, many] = [onlyComplete(oneAll), onlyComplete(manyAll)];
  const names = [
    `${label}: fedi-bff req/s, 1 session → ${count} sessions`,
    `${label}: fedi-bff workerd CPU per request, 1 session → ${count} sessions`,
    `${label}: fedi-bff p50, 1 session → ${count} sessions`,
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
