import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Env } from "../../src/config/env.ts";
import { bff } from "../helpers/bff.ts";
import { ADMIN_ENV, admin } from "./support.ts";

/** A Registrar namespace whose objects cannot be reached. */
const DOWN_REGISTRAR = {
  idFromName: (name: string) => (env as Env).REGISTRAR.idFromName(name),
  get: () => ({ ping: () => Promise.reject(new Error("Durable Object unreachable")) }),
} as unknown as Env["REGISTRAR"];

/** A KV namespace whose reads fail. */
const DOWN_KV = { get: () => Promise.reject(new Error("KV read failed")) } as unknown as KVNamespace;

describe("liveness", () => {
  it("answers 200 whatever the settings and storage", async () => {
    for (const overrides of [{}, { SESSION_KEYS: "" }, { REGISTRAR: DOWN_REGISTRAR, APPS: DOWN_KV }]) {
      const res = await bff("/_fedi-bff/live", { env: overrides });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ live: true });
    }
  });
});

describe("readiness", () => {
  it("answers 200 when settings, keys, KV and the Registrar are fine", async () => {
    const res = await bff("/_fedi-bff/ready");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ready: true });
    const detailed = await admin("/_fedi-bff/ready");
    expect(await detailed.json()).toEqual({
      ready: true,
      checks: [
        { name: "config", ok: true },
        { name: "session_keys", ok: true },
        { name: "kv", ok: true },
        { name: "registrar", ok: true },
      ],
    });
  });

  it.each([
    ["the Registrar is unavailable", { REGISTRAR: DOWN_REGISTRAR }, "registrar"],
    ["KV is unavailable", { APPS: DOWN_KV }, "kv"],
    ["the settings are broken", { SESSION_KEYS: "" }, "config"],
  ] as const)("answers 503 when %s, and says why only to the operator", async (_, overrides, failing) => {
    const res = await bff("/_fedi-bff/ready", { env: overrides as Partial<Env> });
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ ready: false });
    const wrongToken = await bff("/_fedi-bff/ready", {
      env: { ...ADMIN_ENV, ...(overrides as Partial<Env>) },
      headers: { authorization: "Bearer not-the-token-not-the-token-not-the-token" },
    });
    expect(await wrongToken.json()).toEqual({ ready: false });
    const detailed = await admin("/_fedi-bff/ready", {
      env: { ...ADMIN_ENV, ...(overrides as Partial<Env>) },
    });
    expect(detailed.status).toBe(503);
    const body = (await detailed.json()) as { checks?: { name: string; ok: boolean; detail?: string }[] };
    if (failing === "config") {
      // A broken config has no admin token either: only the public answer.
      expect(body).toEqual({ ready: false });
      return;
    }
    const check = body.checks?.find((c) => c.name === failing);
    expect(check).toMatchObject({ ok: false });
    expect(check?.detail).toMatch(/unreachable|failed/);
  });
});
