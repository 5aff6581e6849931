import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { ADMIN_TOKEN_MIN, configProblems, loadConfig } from "../../src/config/config.ts";
import type { Env } from "../../src/config/env.ts";
import { BffError } from "../../src/errors.ts";
import { WIDEST_PROXY_PREFIX } from "../../src/http/client-ip.ts";
import app from "../../src/index.ts";

const KEY = "dGVzdC1rZXktMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDA";

function problemsOf(vars: Partial<Env>): string {
  try {
    loadConfig({
      ...env,
      ENVIRONMENT: undefined,
      PUBLIC_URL: undefined,
      SESSION_KEYS: undefined,
      ...vars,
    } as Env);
    return "";
  } catch (error) {
    return error instanceof BffError ? `${error.code}: ${error.internal}` : String(error);
  }
}

describe("configuration", () => {
  it("accepts a complete production configuration", () => {
    expect(problemsOf({ SESSION_KEYS: KEY, PUBLIC_URL: "https://bff.example.org" })).toBe("");
  });

  it("refuses an unknown ENVIRONMENT, applies production rules meanwhile, and reports every problem together", () => {
    const problems = problemsOf({ ENVIRONMENT: "dev", ALLOW_INSECURE_INSTANCES: "127.0.0.1:3000" });
    expect(problems).toMatch(/^misconfigured: /);
    expect(problems).toContain('ENVIRONMENT: "dev" is not one of production, development');
    expect(problems).toContain("SESSION_KEYS: missing");
    expect(problems).toContain("PUBLIC_URL: missing");
    expect(problems).toContain("ALLOW_INSECURE_INSTANCES: only allowed with ENVIRONMENT=development");
  });

  it("takes ENVIRONMENT unset, empty or production as production, and only those or development", () => {
    const valid = { SESSION_KEYS: KEY, PUBLIC_URL: "https://bff.example.org" };
    for (const value of [undefined, "", "production", " production "]) {
      expect(problemsOf({ ...valid, ENVIRONMENT: value }), String(value)).toBe("");
    }
    expect(problemsOf({ ENVIRONMENT: "development" })).toBe("");
    for (const value of ["prod", "Production", "staging", "test", "true"]) {
      expect(problemsOf({ ...valid, ENVIRONMENT: value }), value).toContain(`ENVIRONMENT: "${value}"`);
    }
  });

  it("takes switches as true or false only", () => {
    const valid = { SESSION_KEYS: KEY, PUBLIC_URL: "https://bff.example.org" };
    for (const value of [undefined, "", "true", "false"]) {
      expect(problemsOf({ ...valid, PUBLIC_PROXY: value }), String(value)).toBe("");
    }
    const problems = problemsOf({ ...valid, PUBLIC_PROXY: "maybe" });
    expect(problems).toContain('PUBLIC_PROXY: must be true or false, not "maybe"');
  });

  it("parses TRUSTED_PROXIES as addresses and CIDR ranges, and names each bad entry", () => {
    const valid = { SESSION_KEYS: KEY, PUBLIC_URL: "https://bff.example.org" };
    const config = loadConfig({
      ...env,
      ...valid,
      TRUSTED_PROXIES: "127.0.0.1, ::1,10.0.0.0/8 , fd00::/8",
    } as Env);
    expect(config.trustedProxies).toHaveLength(4);
    const problems = problemsOf({
      ...valid,
      TRUSTED_PROXIES: "127.0.0.1,10.0.0.0/33,proxy.example.org,::1/129",
    });
    expect(problems).toContain('TRUSTED_PROXIES: "10.0.0.0/33"');
    expect(problems).toContain('TRUSTED_PROXIES: "proxy.example.org"');
    expect(problems).toContain('TRUSTED_PROXIES: "::1/129"');
    expect(problems).not.toContain('"127.0.0.1"');
  });

  it("takes ADMIN_TOKEN only long and random, and never quotes it in a problem", () => {
    const valid = { SESSION_KEYS: KEY, PUBLIC_URL: "https://bff.example.org" };
    for (const token of ["short-token", "a".repeat(ADMIN_TOKEN_MIN), `${"ab".repeat(ADMIN_TOKEN_MIN)} x`]) {
      const problems = problemsOf({ ...valid, ADMIN_TOKEN: token });
      expect(problems, token).toContain("ADMIN_TOKEN: must be at least");
      expect(problems).not.toContain(token);
    }
    const token = "q8Vd1kR0-x7Lw3Zp_Nc5Ty2Hb9Mf4Ja6Ue";
    expect(loadConfig({ ...env, ...valid, ADMIN_TOKEN: token } as Env).adminToken).toBe(token);
    expect(loadConfig({ ...env, ...valid } as Env).adminToken).toBeNull();
  });

  it("refuses a TRUSTED_PROXIES range that trusts (nearly) every address", () => {
    const valid = { SESSION_KEYS: KEY, PUBLIC_URL: "https://bff.example.org" };
    const { v4, v6 } = WIDEST_PROXY_PREFIX;
    for (const entry of [
      "0.0.0.0/0",
      "::/0",
      `10.0.0.0/${v4 - 1}`,
      `fc00::/${v6 - 1}`,
      "::/8",
      "::ffff:0:0/96",
    ]) {
      const problems = problemsOf({ ...valid, TRUSTED_PROXIES: `127.0.0.1,${entry}` });
      expect(problems, entry).toContain(`TRUSTED_PROXIES: "${entry}" trusts nearly every address`);
    }
    for (const entry of [
      `10.0.0.0/${v4}`,
      `fc00::/${v6}`,
      "2001:db8::/32",
      "::ffff:10.0.0.0/104",
      "192.0.2.1",
    ]) {
      expect(problemsOf({ ...valid, TRUSTED_PROXIES: entry }), entry).not.toContain("TRUSTED_PROXIES");
    }
  });

  it("lists every problem of one env with configProblems (the self-host command's startup check)", () => {
    const problems = configProblems({
      ENVIRONMENT: "prod",
      SESSION_KEYS: "not-a-key",
      PUBLIC_PROXY: "maybe",
    } as Env);
    expect(problems).toEqual([
      'ENVIRONMENT: "prod" is not one of production, development',
      "SESSION_KEYS: key #1 is not 32 bytes of base64url (make one with `npx fedi-bff key --print`, in fedi-bff's repository `npm run -s key -- --print`)",
      "PUBLIC_URL: missing (the BFF's own origin, e.g. https://bff.example.org; for local development, ENVIRONMENT=development)",
      "APP_WEBSITE: missing (a page that says who runs this deployment and how to reach them; instance admins see it)",
      'PUBLIC_PROXY: must be true or false, not "maybe"',
    ]);
    const valid = {
      SESSION_KEYS: KEY,
      PUBLIC_URL: "https://bff.example.org",
      APP_WEBSITE: "https://bff.example.org",
    };
    expect(configProblems(valid as Env)).toEqual([]);
    expect(configProblems({ ...valid, APP_WEBSITE: undefined, ENVIRONMENT: "development" } as Env)).toEqual(
      [],
    );
  });

  it("refuses a misspelled setting, naming the right one, and leaves the app's own names alone", () => {
    const valid = {
      SESSION_KEYS: KEY,
      PUBLIC_URL: "https://bff.example.org",
      APP_WEBSITE: "https://bff.example.org",
    };
    const typos = {
      INSTANCE_ALLOW_LIST: "mastodon.social",
      SESSION_KEY: KEY,
      PUBLIC_URl: "https://bff.example.org",
      instance_denylist: "bad.example",
      SCOPE: "read",
      APP: "x",
    };
    expect(configProblems({ ...valid, ...typos } as unknown as Env)).toEqual([
      "INSTANCE_ALLOW_LIST: not a setting of fedi-bff; did you mean INSTANCE_ALLOWLIST?",
      "SESSION_KEY: not a setting of fedi-bff; did you mean SESSION_KEYS?",
      "PUBLIC_URl: not a setting of fedi-bff; did you mean PUBLIC_URL?",
      "instance_denylist: not a setting of fedi-bff; did you mean INSTANCE_DENYLIST?",
      "SCOPE: not a setting of fedi-bff; did you mean SCOPES?",
    ]);
    const own = {
      ASSETS: {},
      APP_URL: "https://x.example",
      MY_KV: {},
      SESSION_SECRET: "x",
      DEMO_PAGE: "true",
    };
    expect(configProblems({ ...valid, ...own } as unknown as Env)).toEqual([]);
  });

  it("refuses FRONTEND_ORIGINS on another site than PUBLIC_URL, naming why", () => {
    const valid = { SESSION_KEYS: KEY, PUBLIC_URL: "https://bff.example.org" };
    expect(problemsOf({ ...valid, FRONTEND_ORIGINS: "https://app.example.org,https://example.org" })).toBe(
      "",
    );
    const problems = problemsOf({ ...valid, FRONTEND_ORIGINS: "https://app.example.net" });
    expect(problems).toContain(
      'FRONTEND_ORIGINS: "https://app.example.net" is not on the same site as PUBLIC_URL https://bff.example.org',
    );
    expect(problemsOf({ ...valid, FRONTEND_ORIGINS: "http://app.example.org" })).toContain(
      "must be https (for local http, ENVIRONMENT=development)",
    );
  });

  it("names the fix in each message a newcomer meets first", () => {
    expect(problemsOf({ SESSION_KEYS: KEY, PUBLIC_URL: "http://localhost:8787" })).toContain(
      "PUBLIC_URL: must be https (for a local http origin, set ENVIRONMENT=development)",
    );
    expect(problemsOf({ PUBLIC_URL: "https://bff.example.org" })).toContain(
      "npx fedi-bff key --print | npx wrangler secret put SESSION_KEYS",
    );
    expect(problemsOf({ SESSION_KEYS: "short", PUBLIC_URL: "https://bff.example.org" })).toContain(
      "make one with `npx fedi-bff key --print`",
    );
  });

  it("refuses weak or malformed session keys", () => {
    expect(problemsOf({ SESSION_KEYS: "short", PUBLIC_URL: "https://a.example.org" })).toContain("key #1");
    expect(problemsOf({ SESSION_KEYS: "A".repeat(43), PUBLIC_URL: "https://a.example.org" })).toContain(
      "not random",
    );
  });

  it("refuses a bare true for ALLOW_INSECURE_INSTANCES even in development", () => {
    expect(problemsOf({ ENVIRONMENT: "development", ALLOW_INSECURE_INSTANCES: "true" })).toContain(
      "bare true",
    );
    expect(problemsOf({ ENVIRONMENT: "development", ALLOW_INSECURE_INSTANCES: "127.0.0.1:3999" })).toBe("");
  });

  it("refuses an http PUBLIC_URL, a PUBLIC_URL with a path, and bad numbers in production", () => {
    expect(problemsOf({ SESSION_KEYS: KEY, PUBLIC_URL: "http://bff.example.org" })).toContain(
      "must be https",
    );
    expect(problemsOf({ SESSION_KEYS: KEY, PUBLIC_URL: "https://bff.example.org/x" })).toContain(
      "PUBLIC_URL",
    );
    expect(
      problemsOf({ SESSION_KEYS: KEY, PUBLIC_URL: "https://b.example.org", SESSION_TTL: "-1" }),
    ).toContain("SESSION_TTL");
    expect(
      problemsOf({ SESSION_KEYS: KEY, PUBLIC_URL: "https://b.example.org", SCOPES: "read sudo" }),
    ).toContain("sudo");
  });

  it("answers every request with 500 misconfigured when production lacks SESSION_KEYS, and logs why", async () => {
    const broken = { ...env, ENVIRONMENT: "production", SESSION_KEYS: undefined } as Env;
    const res = await app.fetch(
      new Request("https://bff.example.com/auth/session"),
      broken,
      createExecutionContext(),
    );
    expect(res.status).toBe(500);
    const body = await res.json();
    expect(body).toEqual({
      error: "misconfigured",
      error_description: "fedi-bff is misconfigured; the operator must check its logs.",
    });
  });

  it("ignores a retired DEMO_PAGE with one warning in the log: the Worker serves on", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    try {
      const retired = { ...env, DEMO_PAGE: "true" } as Env;
      for (const path of ["/auth/session", "/auth/session", "/"]) {
        const res = await app.fetch(
          new Request(`https://bff.example.com${path}`),
          retired,
          createExecutionContext(),
        );
        expect(res.status).toBe(path === "/" ? 404 : 401);
      }
      const lines = warn.mock.calls.map(([line]) => JSON.parse(String(line)) as Record<string, unknown>);
      expect(lines.filter((l) => l.event === "setting_ignored")).toEqual([
        { level: "warn", event: "setting_ignored", setting: "DEMO_PAGE" },
      ]);
    } finally {
      warn.mockRestore();
    }
  });
});
