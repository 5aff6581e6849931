/** Figures with their budgets, printed as one table (PASS/FAIL beside each budgeted figure). */

export interface Figure {
  readonly name: string;
  /** Formatted value, spread included where there is one. */
  readonly shown: string;
  readonly value: number;
  readonly unit: string;
  readonly budget?: string;
  /** undefined: no budget. */
  readonly pass?: boolean;
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
  pass: boolean,
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

export function table(figures: readonly Figure[]): string {
  const rows = figures.map((f) => [
    f.name,
    f.shown,
    f.budget ?? "",
    f.pass === undefined ? "" : f.pass ? "PASS" : "FAIL",
  ]);
  const header = ["figure", "value (median [min–max])", "budget", ""];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => c.padEnd(widths[i] as number)).join(" | ")} |`.replace(/\s+\|$/, " |");
  return [line(header), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...rows.map(line)].join("\n");
}
