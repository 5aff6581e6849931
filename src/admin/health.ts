/**
 * Health for supervisors, containers and load balancers (docs/operators.md "Health checks"):
 *
 * - `GET /_fedi-bff/live`: 200 whenever the Worker runs; reads nothing, so a storage outage never
 *   makes a supervisor restart a healthy process.
 * - `GET /_fedi-bff/ready`: 200 when fedi-bff can serve logins — its settings are valid, session
 *   keys are present, KV (when bound) answers a read, and the Registrar's storage takes a write
 *   (self-hosted, that is the data folder) — else 503. Publicly it says no more than that; with
 *   the admin token it lists each check and why one failed.
 *
 * The answer is memoized per isolate for READY_MEMO_MS, so probes cannot be turned into a flood
 * of storage writes.
 */

import { loadConfig } from "../config/config.ts";
import type { Env } from "../config/env.ts";
import { REGISTRAR_INDEX } from "../registry/storage-keys.ts";
import { isOperator } from "./guard.ts";

export interface Check {
  readonly name: "config" | "session_keys" | "kv" | "registrar";
  readonly ok: boolean;
  readonly detail?: string;
}

/** How long one readiness answer is reused in an isolate (ms). */
export const READY_MEMO_MS = 5000;
/** Time allowed for each storage check (ms). */
const CHECK_TIMEOUT_MS = 3000;

const memo = new WeakMap<object, { at: number; checks: Promise<Check[]> }>();

export function live(): Response {
  return Response.json({ live: true }, { headers: { "cache-control": "no-store" } });
}

export async function ready(request: Request, env: Env): Promise<Response> {
  const checks = await readiness(env);
  const ok = checks.every((c) => c.ok);
  let adminToken: string | null = null;
  try {
    adminToken = loadConfig(env).adminToken;
  } catch {
    // A broken config has no usable admin token: the public answer only.
  }
  const body = (await isOperator(request, adminToken)) ? { ready: ok, checks } : { ready: ok };
  return Response.json(body, { status: ok ? 200 : 503, headers: { "cache-control": "no-store" } });
}

/** Every check, memoized per env object (stable within an isolate) for READY_MEMO_MS. */
export function readiness(env: Env, now = Date.now()): Promise<Check[]> {
  const known = memo.get(env);
  if (known !== undefined && known.at > now - READY_MEMO_MS) return known.checks;
  const checks = runChecks(env);
  memo.set(env, { at: now, checks });
  return checks;
}

async function runChecks(env: Env): Promise<Check[]> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(env);
  } catch (error) {
    return [
      { name: "config", ok: false, detail: (error as { internal?: string }).internal ?? String(error) },
    ];
  }
  const keys: Check =
    config.sessionKeys.length > 0 || config.development
      ? { name: "session_keys", ok: true }
      : { name: "session_keys", ok: false, detail: "SESSION_KEYS is empty" };
  const [kv, registrar] = await Promise.all([checkKv(env), checkRegistrar(env)]);
  return [{ name: "config", ok: true }, keys, ...(kv === null ? [] : [kv]), registrar];
}

async function checkKv(env: Env): Promise<Check | null> {
  const kv = env.APPS;
  if (kv === undefined) return null;
  return timed("kv", async () => {
    await kv.get("health:v1");
    return true;
  });
}

function checkRegistrar(env: Env): Promise<Check> {
  return timed("registrar", () => env.REGISTRAR.get(env.REGISTRAR.idFromName(REGISTRAR_INDEX)).ping());
}

async function timed(name: Check["name"], probe: () => Promise<boolean>): Promise<Check> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<boolean>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer in ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
  });
  try {
    const ok = await Promise.race([probe(), timeout]);
    return ok ? { name, ok } : { name, ok, detail: "the write did not read back" };
  } catch (error) {
    return { name, ok: false, detail: String(error).slice(0, 200) };
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}
