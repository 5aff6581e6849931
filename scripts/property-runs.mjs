#!/usr/bin/env node
/**
 * Runs every property-test file (each test file under test/ that imports fast-check) N times, each
 * run with a fresh random FC_SEED, and reports the seeds of failing runs so each can be replayed:
 *   node scripts/property-runs.mjs [N=50] [file…]
 *   FC_SEED=<seed> npx vitest run <file>     (replays one failure)
 */
import { spawnSync } from "node:child_process";
import { randomInt } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

function propertyFiles(dir = "test") {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === "e2e" ? [] : propertyFiles(path);
    return path.endsWith(".test.ts") && /from "fast-check"/.test(readFileSync(path, "utf8")) ? [path] : [];
  });
}

const [count = "50", ...named] = process.argv.slice(2);
const runs = Number(count);
if (!Number.isSafeInteger(runs) || runs < 1) throw new Error(`N must be a positive integer, got ${count}`);
const files = named.length > 0 ? named : propertyFiles().sort();
console.log(`${runs} runs of ${files.length} files: ${files.join(" ")}`);

const failures = [];
const started = performance.now();
for (let i = 1; i <= runs; i++) {
  // fast-check seeds are 32-bit integers.
  const seed = randomInt(0, 2 ** 31);
  const t0 = performance.now();
  const result = spawnSync("npx", ["vitest", "run", ...files], {
    env: { ...process.env, CI: "true", WRANGLER_SEND_METRICS: "false", FC_SEED: String(seed) },
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
  });
  const seconds = ((performance.now() - t0) / 1000).toFixed(1);
  const failed = result.status !== 0;
  if (failed) {
    const output = `${result.stdout}\n${result.stderr}`;
    const lines = output.split("\n").filter((l) => /FAIL|seed|Counterexample|AssertionError/.test(l));
    failures.push({ run: i, seed, lines: lines.slice(0, 20) });
  }
  console.log(`run ${i}/${runs} FC_SEED=${seed}: ${failed ? "FAILED" : "passed"} (${seconds} s)`);
}

const total = ((performance.now() - started) / 1000).toFixed(0);
console.log(`\n${runs - failures.length}/${runs} runs passed in ${total} s`);
for (const { run, seed, lines } of failures) {
  console.log(`\nrun ${run}, replay with FC_SEED=${seed}:\n  ${lines.join("\n  ")}`);
}
process.exit(failures.length > 0 ? 1 : 0);
