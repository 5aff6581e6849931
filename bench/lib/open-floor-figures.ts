/**
 * The floor of the 10,000-session workload: `new-head-open` is new-head plus one open of the
 * session cookie per request (one AES-GCM decrypt and a JSON.parse), the least a proxy whose
 * session is an encrypted cookie must do when the isolate cannot answer it from memory. Figures
 * with no budget: each fedi-bff target against it, and what the open itself costs over new-head.
 */
import { NAMES, perRound, spreadOf } from "./judging.ts";
import { median } from "./load.ts";
import { onlyComplete, type Rounds, type Target, type TargetRun } from "./phases.ts";
import { type Figure, figure, fmt } from "./report.ts";

/** Judged on the workload's complete rounds; no figures when new-head-open did not run. */
export function openFloorFigures(label: string, all: Rounds): Figure[] {
  if (all.newHeadOpen.length === 0) return [];
  const complete = onlyComplete(all);
  const pairs: [Target, Target][] = [
    ["newHeadOpen", "newHead"],
    ["bff", "newHeadOpen"],
    ["mounted", "newHeadOpen"],
    ["self", "newHeadOpen"],
  ];
  return pairs
    .filter(([a]) => all[a].length > 0)
    .map(([a, b]) =>
      versus(`${label}: ${NAMES[a]} ÷ ${NAMES[b]} req/s / CPU per request`, complete[a], complete[b]),
    );
}

/** req/s and workerd CPU per request of `a` over `b`, per round, medians with min–max. */
function versus(name: string, a: TargetRun[], b: TargetRun[]): Figure {
  const rps = perRound(a, b, (x, y) => x.rps / y.rps);
  const cpu = perRound(a, b, (x, y) => x.workerdUsPerRequest / y.workerdUsPerRequest);
  if (rps.length === 0) return figure(name, Number.NaN, "ratio", "no complete round");
  return figure(name, median(rps), "ratio", `${spreadOf(rps, fmt.ratio)} / ${spreadOf(cpu, fmt.ratio)}`);
}
