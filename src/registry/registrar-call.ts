/**
 * Calling the instance's Registrar Durable Object from the Worker: one stub per host, a failed call
 * as 503 `storage_unavailable`, and a refused result as its named error (Retry-After kept).
 */
import type { Env } from "../config/env.ts";
import type { RegistrarResult } from "../config/registrar-rpc.ts";
import { BffError } from "../errors.ts";

type Registrar = Env["REGISTRAR"];
type RegistrarStub = ReturnType<Registrar["get"]>;

/** `call` on `host`'s Registrar; RPC stubs wrap results in proxy types, the values are plain data. */
export async function callRegistrar<T>(
  registrar: Registrar,
  host: string,
  call: (stub: RegistrarStub) => unknown,
): Promise<T> {
  try {
    return (await call(registrar.get(registrar.idFromName(host)))) as T;
  } catch (error) {
    throw new BffError("storage_unavailable", "Storage is unavailable; try again shortly.", {
      internal: `registrar ${host}: ${String(error)}`,
    });
  }
}

/** The sealed value of a result, or its refusal thrown as the named error. */
export function sealedOf(result: RegistrarResult): string {
  if (result.ok) return result.sealed;
  const headers: Record<string, string> = result.retryAfter
    ? { "retry-after": String(result.retryAfter) }
    : {};
  throw new BffError(result.code, result.description, { headers });
}
