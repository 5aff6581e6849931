import { env } from "cloudflare:workers";
import { vi } from "vitest";
import type { Env } from "../../src/config/env.ts";

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

/** The one error assertion, still imported from here outside this folder. */
export { expectError } from "../helpers/bff.ts";

/** One line of the suite's figures (docs/security.md): `npx vitest run test/hostile | grep FIGURE`. */
export function figure(line: string): void {
  console.log(`FIGURE ${line}`);
}
