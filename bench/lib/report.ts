/**
 * Figures with their budgets, printed as one table: PASS, FAIL or NO VERDICT beside each budgeted
 * figure in a full run; in a quick run the figures are indicative and no verdict is printed.
 */

export interface Figure {
  readonly name: string;
  /** Formatted value, spread included where there is one. */
  readonly shown: string;
  readonly value: number;
  readonly unit: string;
  readonly budget?: string;
  /** undefined: no budget; null: a budget with nothing to judge it on (no complete round). */
  readonly pass?: boolean | null;
}

export function figure(name: string, value: number, unit: string, shown: string): Figure {
  return { name, value, unit, shown };
}

export function budgeted(
  name: string,
  value: number,
  unit: string,
  shown: string,
  budget: string,
  pass: boolean | null,
): Figure {
  return { name, value, unit, shown, budget, pass };
}

export const fmt = {
  int: (n: number) => Math.round(n).toLocaleString("en-US"),
  ms: (n: number) => `${n.toFixed(2)} ms`,
  us: (n: number) => `${n.toFixed(0)} µs`,
  ratio: (n: number) => n.toFixed(3),
  kib: (n: number) => `${(n / 1024).toFixed(1)} KiB`,
  mib: (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`,
};

/** PASS, FAIL or NO VERDICT for a budgeted figure; "" for a figure without a budget. */
export function verdict(f: Figure): string {
  if (f.pass === undefined) return "";
  return f.pass === null ? "NO VERDICT" : f.pass ? "PASS" : "FAIL";
}

/** `indicative`: a quick run's table, budgets shown for reference with no verdict column. */
export function table(figures: readonly Figure[], indicative = false): string {
  const rows = figures.map((f) => [
    f.name,
    f.shown,
    f.budget ?? "",
    indicative ? (f.budget === undefined ? "" : "indicative") : verdict(f),
  ]);
  const header = ["figure", "value (median [min–max])", "budget", ""];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => c.padEnd(widths[i] as number)).join(" | ")} |`.replace(/\s+\|$/, " |");
  return [line(header), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...rows.map(line)].join("\n");
}

/**
 * The closing verdict of a full run: one line per budget, then the count. Quick runs print
 * `indicative` instead (figures from one short round judge nothing).
 */
export function verdictLines(figures: readonly Figure[]): string[] {
  const budgets = figures.filter((f) => f.pass !== undefined);
  const width = Math.max(...budgets.map((f) => verdict(f).length));
  const lines = budgets.map(
    (f) => `  ${verdict(f).padEnd(width)}  ${f.name}: ${f.shown} (budget ${f.budget})`,
  );
  const count = (v: string) => budgets.filter((f) => verdict(f) === v).length;
  const [fail, none] = [count("FAIL"), count("NO VERDICT")];
  const summary =
    fail === 0 && none === 0
      ? `Verdict: all ${budgets.length} budgets PASS.`
      : `Verdict: ${count("PASS")} of ${budgets.length} budgets PASS, ${fail} FAIL, ${none} NO VERDICT.`;
  return ["Budgets:", ...lines, summary];
}
