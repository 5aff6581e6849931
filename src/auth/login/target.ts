/**
 * The instance a login names: a host, or a handle whose server WebFinger finds. Parsing and the
 * allow/deny lists are local (`parseLoginTarget`, no outbound request); only `resolveLoginTarget`
 * may reach the network, and only for a handle.
 */
import type { Deps } from "../../app/deps.ts";
import { BffError } from "../../errors.ts";
import { type InstanceOrigin, parseInstance } from "../../instance/host.ts";
import { assertInstanceAllowed } from "../../instance/policy.ts";
import { type Handle, parseHandle, resolveHandle } from "../../instance/webfinger.ts";

/** A checked login target, before any network: a host, or a handle still to resolve. */
export type LoginTarget = { readonly host: InstanceOrigin } | { readonly handle: Handle };

/** Checks `instance` (or the single allowed host) without contacting anything. */
export function parseLoginTarget(raw: string | null, deps: Deps): LoginTarget {
  const only = deps.config.allowlist.length === 1 && deps.config.allowlist[0]?.kind === "exact";
  // Single-instance mode: an allowlist of one host needs no `instance` parameter.
  const input =
    raw === null || raw.trim() === "" ? (only ? deps.config.allowlist[0]?.value : undefined) : raw;
  if (input === undefined) {
    throw new BffError("invalid_instance", "Say which instance to log in with: ?instance=mastodon.example.");
  }
  const handle = parseHandle(input, deps.policy);
  const host = handle === null ? parseInstance(input, deps.policy) : handle.domain;
  assertInstanceAllowed(host.host, { allow: deps.config.allowlist, deny: deps.config.denylist });
  return handle === null ? { host } : { handle };
}

/** The instance to log in with; a handle is resolved through WebFinger. */
export async function resolveLoginTarget(
  parsed: LoginTarget,
  deps: Deps,
): Promise<{ target: InstanceOrigin; expectedAcct: string }> {
  if ("host" in parsed) return { target: parsed.host, expectedAcct: "" };
  const target = await resolveHandle(deps.upstream, parsed.handle, deps.policy);
  assertInstanceAllowed(target.host, { allow: deps.config.allowlist, deny: deps.config.denylist });
  return { target, expectedAcct: parsed.handle.username };
}

/** How the target reads to a person: the canonical (ASCII) host, or `@user@host`. */
export function describeLoginTarget(parsed: LoginTarget): string {
  return "host" in parsed ? parsed.host.host : `@${parsed.handle.username}@${parsed.handle.domain.host}`;
}
