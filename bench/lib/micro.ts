/**
 * Session cookie open + validate inside workerd (bench/workers/seal-bench.ts). A request runs the
 * operation n times; its time minus an n=0 request's is the cost of n operations.
 */
import { median } from "./load.ts";

const now = () => performance.now();

async function timed(url: string): Promise<{ ms: number; valid: number }> {
  const start = now();
  const res = await fetch(url);
  const body = (await res.json()) as { valid: number };
  if (res.status !== 200) throw new Error(`${url}: ${res.status}`);
  return { ms: now() - start, valid: body.valid };
}

/** Operations per second of `mode` (median of `reps` alternating measured/empty pairs). */
export async function opsPerSecond(
  sealUrl: string,
  mode: "open" | "memo",
  n: number,
  reps: number,
): Promise<number> {
  await timed(`${sealUrl}/?mode=${mode}&n=${Math.min(n, 200)}`); // warm-up: JIT, key import, memo
  const rates: number[] = [];
  for (let i = 0; i < reps; i++) {
    const empty = await timed(`${sealUrl}/?mode=${mode}&n=0`);
    const full = await timed(`${sealUrl}/?mode=${mode}&n=${n}`);
    if (full.valid !== n) throw new Error(`seal bench: ${full.valid} of ${n} cookies opened`);
    rates.push(n / (Math.max(full.ms - empty.ms, 0.001) / 1000));
  }
  return median(rates);
}
