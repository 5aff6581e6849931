/** Real config and deps for the middleware's decisions, built from the test env with one frontend. */
import { env } from "cloudflare:workers";
import { buildDeps, type Deps } from "../../src/app/deps.ts";
import type { Env } from "../../src/config/env.ts";
import { BFF } from "../helpers/bff.ts";

export const FRONTEND = "https://app.example.com";

/** Deps of a deployment at BFF with FRONTEND as its one frontend origin. */
export function frontendDeps(): Promise<Deps> {
  return buildDeps({ ...(env as Env), FRONTEND_ORIGINS: FRONTEND }, BFF);
}

/** The error code and status of what `run` throws, or "allowed" when it returns. */
export function decision(run: () => unknown): { status: number; error: string } | "allowed" {
  try {
    run();
    return "allowed";
  } catch (error) {
    const { status, code } = error as { status: number; code: string };
    return { status, error: code };
  }
}
