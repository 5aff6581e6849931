/**
 * Shared steps of the hostile suite: corpus files, an outbound-request recorder, the app driven
 * with a modified env (failing storage, short timeouts), and exact error assertions.
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { expect, vi } from "vitest";
import type { Env } from "../../src/config/env.ts";
import app from "../../src/index.ts";
import { BFF, type CookieJar } from "../helpers/bff.ts";

export { BFF };

export interface CorpusEntry {
  /** The `#` line that names the attack class of this entry. */
  readonly group: string;
  readonly value: string;
  readonly line: number;
}

/** Parses a corpus file (test/corpus/README.md): one JSON string per line, `#` groups, unique. */
export function parseCorpus(text: string): CorpusEntry[] {
  const entries: CorpusEntry[] = [];
  const seen = new Set<string>();
  let group = "";
  text.split("\n").forEach((raw, i) => {
    const line = raw.trim();
    if (line === "") return;
    if (line.startsWith("#")) {
      group = line.slice(1).trim();
      return;
    }
    const value: unknown = JSON.parse(line);
    if (typeof value !== "string") throw new Error(`line ${i + 1}: not a JSON string`);
    if (seen.has(value)) throw new Error(`line ${i + 1}: duplicate entry ${line}`);
    seen.add(value);
    entries.push({ group, value, line: i + 1 });
  });
  return entries;
}

/** Hosts the test itself talks to (the fake's control API), never counted as the Worker's traffic. */
const TEST_HOSTS = new Set(["control.fake"]);

/**
 * Records every outbound fetch made in this isolate by the Worker code (the app, its Durable
 * Object and the test share one isolate), so "no request was made" is checked at the source.
 */
export function recordOutbound(): { urls: () => string[]; stop: () => void } {
  const spy = vi.spyOn(globalThis, "fetch");
  return {
    urls: () =>
      spy.mock.calls
        .map(([input]) => (input instanceof Request ? input.url : String(input)))
        .filter((url) => !TEST_HOSTS.has(new URL(url).hostname)),
    stop: () => spy.mockRestore(),
  };
}

/** Counts every storage operation; every call throws when `fail` is set. */
export function countingKv(fail: boolean): { kv: KVNamespace; calls: string[] } {
  const calls: string[] = [];
  const op =
    (name: string) =>
    async (...args: unknown[]) => {
      calls.push(`${name} ${String(args[0])}`);
      if (fail) throw new Error("KV unavailable (injected)");
      return name === "list" ? { keys: [], list_complete: true, cacheStatus: null } : null;
    };
  const kv = {
    get: op("get"),
    getWithMetadata: op("getWithMetadata"),
    put: op("put"),
    delete: op("delete"),
    list: op("list"),
  } as unknown as KVNamespace;
  return { kv, calls };
}

/** A Durable Object namespace whose every use is counted and (with `fail`) throws. */
export function countingRegistrar(fail: boolean): { ns: Env["REGISTRAR"]; calls: string[] } {
  const calls: string[] = [];
  const real = (env as Env).REGISTRAR;
  const ns = {
    idFromName: (name: string) => {
      calls.push(`idFromName ${name}`);
      if (fail) throw new Error("Durable Object unavailable (injected)");
      return real.idFromName(name);
    },
    get: (id: DurableObjectId) => {
      calls.push("get");
      if (fail) throw new Error("Durable Object unavailable (injected)");
      return real.get(id);
    },
  } as unknown as Env["REGISTRAR"];
  return { ns, calls };
}

/** Sends a request straight to the app's fetch handler with env overrides (config is per env object). */
export async function appFetch(
  path: string,
  init: RequestInit & { jar?: CookieJar; env?: Partial<Env> } = {},
): Promise<Response> {
  const headers = new Headers(init.headers);
  if (init.jar && init.jar.cookies.size > 0 && !headers.has("cookie"))
    headers.set("cookie", init.jar.header());
  // Each request from its own address unless a test names one: the login rate limit is per IP.
  if (!headers.has("cf-connecting-ip")) headers.set("cf-connecting-ip", randomIp());
  const request = new Request(new URL(path, BFF), { ...init, headers, redirect: "manual" });
  const ctx = createExecutionContext();
  const res = await app.fetch(request, { ...(env as Env), ...init.env } as Env, ctx);
  await waitOnExecutionContext(ctx);
  init.jar?.store(res);
  return res;
}

/** One line of the suite's figures (docs/security.md): `npx vitest run test/hostile | grep FIGURE`. */
export function figure(line: string): void {
  console.log(`FIGURE ${line}`);
}

/** Asserts the exact status and error code (and no-store) of an error answer. */
export async function expectError(res: Response, status: number, code: string): Promise<void> {
  const body = (await res.json()) as { error?: unknown; error_description?: unknown };
  expect({ status: res.status, error: body.error }).toEqual({ status, error: code });
  expect(typeof body.error_description).toBe("string");
  expect(res.headers.get("cache-control")).toMatch(/no-store/);
}

/** The `auth_error` a callback redirect carries, with its path. */
export function authErrorOf(res: Response): { status: number; location: string | null } {
  return { status: res.status, location: res.headers.get("location") };
}

export function randomIp(): string {
  const [a = 0, b = 0, c = 0] = crypto.getRandomValues(new Uint8Array(3));
  return `198.${a}.${b}.${c}`;
}
