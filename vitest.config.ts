import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { OUTBOUND_ROUTER, outboundRouter } from "./test/fake-instance/outbound.ts";

function seedFromEnv(value: string | undefined): number | null {
  if (value === undefined || value === "") return null;
  const seed = Number(value);
  if (!Number.isSafeInteger(seed)) throw new Error(`FC_SEED must be an integer, got ${value}`);
  return seed;
}

// Tests run inside workerd. Every outbound fetch of the Worker (and of the tests themselves) goes
// through the router Worker (test/fake-instance/outbound.ts): fake instance hosts reach the fake Mastodon-API server that
// test/global-setup.ts starts on loopback; anything else fails closed.
export default defineConfig({
  plugins: [
    cloudflareTest(({ inject }) => ({
      wrangler: { configPath: "./wrangler.toml" },
      miniflare: {
        bindings: {
          ENVIRONMENT: "production",
          SESSION_KEYS: "dGVzdC1rZXktMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDA",
          PUBLIC_URL: "https://bff.example.com",
          APP_WEBSITE: "https://app.example.com/about",
        },
        outboundService: OUTBOUND_ROUTER,
        workers: [outboundRouter(inject<number>("fakeInstancePort"))],
      },
    })),
  ],
  test: {
    globalSetup: ["./test/global-setup.ts"],
    setupFiles: ["./test/helpers/fast-check-seed.ts"],
    // A fixed fast-check seed for the run, from FC_SEED (test/helpers/fast-check-seed.ts).
    provide: { fcSeed: seedFromEnv(process.env.FC_SEED) },
    include: ["test/**/*.test.ts"],
    // Browser end-to-end tests run in Node (npm run test:e2e), not inside workerd.
    exclude: ["test/e2e/**", "**/node_modules/**"],
    testTimeout: 30_000,
    // Quiet when green: the app's log lines are shown only for a test that fails.
    silent: "passed-only",
    // One module graph per worker for all its files: re-creating an isolated Worker per file was
    // about half the suite's time. Tests share no module state they do not reset themselves.
    isolate: false,
  },
});
