import type { TestProject } from "vitest/node";
import { startFakeServer } from "./fake-instance/server.ts";
import { holdBackRuntimeNoise } from "./runtime-noise.ts";

declare module "vitest" {
  export interface ProvidedContext {
    fakeInstancePort: number;
    /** FC_SEED for fast-check, or null for its own seed per property (vitest.config.ts). */
    fcSeed: number | null;
  }
}

/** Starts the fake Mastodon-API server on loopback for the whole test run. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const reportNoise = holdBackRuntimeNoise();
  const server = await startFakeServer({ port: 0 });
  project.provide("fakeInstancePort", server.port);
  // Never let a stuck connection keep the test run alive after the last test.
  return async () => {
    await Promise.race([server.close(), new Promise<void>((resolve) => setTimeout(resolve, 3000).unref())]);
    reportNoise();
  };
}
