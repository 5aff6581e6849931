import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

// The example's tests run inside workerd with its own wrangler.toml; outbound requests fail closed.
export default defineConfig({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: "./wrangler.toml" },
      miniflare: {
        bindings: {
          SESSION_KEYS: "ZXhhbXBsZS1hcHAtdGVzdC1rZXktbm90LXNlY3JldCE",
          PUBLIC_URL: "https://client.example.com",
          APP_WEBSITE: "https://client.example.com/about",
        },
        outboundService: () => new Response("no network in tests", { status: 599 }),
      },
    }),
  ],
  test: { include: ["test/**/*.test.ts"] },
});
