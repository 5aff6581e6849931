import type { TestProject } from "vitest/node";
import { startFakeServer } from "./fake-instance/server.ts";

declare module "vitest" {
  export interface ProvidedContext {
    fakeInstancePort: number;
  }
}

/** Starts the fake Mastodon-API server on loopback for the whole test run. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await startFakeServer({ port: 0 });
  project.provide("fakeInstancePort", server.port);
  return () => server.close();
}
