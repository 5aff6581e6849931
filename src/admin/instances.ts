/**
 * The operator's routes for instances (docs/operators.md "Repair an instance"):
 *
 * - `GET  /_fedi-bff/instances`: the instances this deployment holds a registration for.
 * - `GET  /_fedi-bff/instances/:host`: what the Registrar knows of one (src/registry/status.ts).
 * - `POST /_fedi-bff/instances/:host/check|register|clear_backoff`: a repair, bounded like the
 *   automatic ones; the answer says whether it ran, why not, and the status after it.
 *
 * Every answer is JSON with `Cache-Control: no-store`, and holds no token, secret or client id.
 */
import { registrationRequest } from "../app/deps.ts";
import type { AppContext } from "../app/types.ts";
import { ADMIN_ACTIONS, type AdminAction } from "../config/registrar-admin.ts";
import { BffError } from "../errors.ts";
import { parseInstance } from "../instance/host.ts";
import { REGISTRAR_INDEX } from "../registry/storage-keys.ts";
import { assertOperator } from "./guard.ts";

/** Hosts listed at most: the index's limit, and one KV list page. */
const LIST_LIMIT = 1000;
const KV_PREFIX = "app:v2:";

export async function listInstances(c: AppContext): Promise<Response> {
  const { deps } = c;
  await assertOperator(c.request, deps.config);
  const hosts = new Set<string>();
  const index = deps.registry.registrar;
  for (const host of await registrar(() => index.get(index.idFromName(REGISTRAR_INDEX)).indexedHosts())) {
    hosts.add(host);
  }
  // Registrations made before the index existed are still in KV (on Cloudflare).
  const kv = deps.registry.kv;
  if (kv !== undefined) {
    const page = await kv.list({ prefix: KV_PREFIX, limit: LIST_LIMIT }).catch(() => null);
    for (const key of page?.keys ?? [])
      hosts.add(key.name.slice(KV_PREFIX.length, key.name.lastIndexOf(":")));
  }
  const instances = [...hosts].sort().slice(0, LIST_LIMIT);
  return answer({ instances, truncated: hosts.size > LIST_LIMIT });
}

export async function showInstance(c: AppContext): Promise<Response> {
  const { deps } = c;
  await assertOperator(c.request, deps.config);
  const { stub, req } = target(c);
  return answer(await registrar(() => stub.status(req, deps.registry.settings)));
}

export async function actOnInstance(c: AppContext): Promise<Response> {
  const { deps } = c;
  await assertOperator(c.request, deps.config);
  const action = c.params.action ?? "";
  if (!(ADMIN_ACTIONS as readonly string[]).includes(action)) {
    throw new BffError("not_found", `No such action; one of ${ADMIN_ACTIONS.join(", ")}.`);
  }
  const { stub, req } = target(c);
  return answer(await registrar(() => stub.operate(req, action as AdminAction, deps.registry.settings)));
}

/** The instance named in the path (canonical, like a login's) and its Registrar. */
function target(c: AppContext) {
  const { deps } = c;
  const instance = parseInstance(c.params.host ?? "", { insecureHosts: deps.config.insecureHosts });
  const registrarNs = deps.registry.registrar;
  return {
    stub: registrarNs.get(registrarNs.idFromName(instance.host)),
    req: registrationRequest(deps, instance),
  };
}

async function registrar<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw new BffError("storage_unavailable", "The Registrar is unavailable; try again shortly.", {
      internal: `registrar (admin): ${String(error)}`,
    });
  }
}

function answer(body: unknown): Response {
  return Response.json(body, { headers: { "cache-control": "no-store" } });
}
