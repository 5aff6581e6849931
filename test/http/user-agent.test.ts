import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import pkg from "../../package.json";
import type { Env } from "../../src/config/env.ts";
import { VERSION } from "../../src/http/upstream.ts";
import { fullLogin } from "../helpers/bff.ts";
import { fakeState, uniqueHost } from "../helpers/fake.ts";

describe("fedi-bff's User-Agent", () => {
  it("names fedi-bff, its version and the deployment's APP_WEBSITE on every call it makes itself", async () => {
    expect(VERSION).toBe(pkg.version);
    const host = uniqueHost("gts");
    const { callback } = await fullLogin(host);
    expect(callback.status).toBe(302);
    const own = (await fakeState(host)).requests.filter((r) => r.headers["x-fake-user"] === undefined);
    const paths = new Set(own.map((r) => r.path));
    for (const path of ["/api/v1/apps", "/oauth/token", "/api/v1/accounts/verify_credentials"]) {
      expect(paths, path).toContain(path);
    }
    const website = (env as Env).APP_WEBSITE;
    expect(website).toMatch(/^https:/);
    for (const request of own) {
      expect(request.headers["user-agent"], request.path).toBe(`fedi-bff/${pkg.version} (+${website})`);
    }
  });
});
