/**
 * One fast-check seed for a whole run when FC_SEED is set (scripts/property-runs.mjs sets a fresh
 * one per run), so a failing run is replayed with `FC_SEED=<seed> npx vitest run <file>`. Without
 * it, fast-check picks its own seed per property; either way its failure message names the seed.
 */
import fc from "fast-check";
import { inject } from "vitest";

declare module "vitest" {
  export interface ProvidedContext {
    fcSeed: number | null;
  }
}

const seed = inject("fcSeed");
if (seed !== null) fc.configureGlobal({ ...fc.readConfigureGlobal(), seed });
