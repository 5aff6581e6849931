/**
 * Operator allow/deny lists of instances (INSTANCE_ALLOWLIST / INSTANCE_DENYLIST). Entries are
 * normalized exactly like user input, so `Bücher.Example.org.` in a list matches the canonical
 * `xn--bcher-kva.example.org` that parseInstance produces.
 */
import { BffError, type ErrorCode, isBffError } from "../errors.ts";
import { checkUpstreamUrl, type HostPattern, type HostPolicy, parseInstance } from "./host.ts";

export type { HostPattern };

const NO_INSECURE_HOSTS: HostPolicy = { insecureHosts: new Set() };

/**
 * Parses "a.example, *.example.org" (comma/whitespace separated; entries normalized like
 * parseInstance, "*.x" = any subdomain of x, not x itself); returns patterns plus a list of
 * problems for invalid entries. `policy` lets a dev list name an insecure-allowed host.
 */
export function parseHostList(
  raw: string | undefined,
  policy: HostPolicy = NO_INSECURE_HOSTS,
): { patterns: HostPattern[]; problems: string[] } {
  const patterns: HostPattern[] = [];
  const problems: string[] = [];
  for (const entry of (raw ?? "").split(/[\s,]+/).filter((e) => e !== "")) {
    try {
      patterns.push(parsePattern(entry, policy));
    } catch (error) {
      if (!isBffError(error)) throw error;
      problems.push(`${JSON.stringify(entry)}: ${error.message}`);
    }
  }
  return { patterns, problems };
}

function parsePattern(entry: string, policy: HostPolicy): HostPattern {
  if (!entry.startsWith("*.")) return { kind: "exact", value: parseInstance(entry, policy).host };
  // "*.social" must work although "social" alone is a single label that parseInstance refuses:
  // normalize a stand-in subdomain and drop it again.
  const host = parseInstance(`x.${entry.slice(2)}`, policy).host;
  return { kind: "suffix", value: host.slice(2) };
}

/** True when the canonical `host` equals an exact pattern or is a subdomain of a suffix pattern. */
export function hostMatches(host: string, patterns: readonly HostPattern[]): boolean {
  // The dot in `.${value}` keeps *.example.org from matching evilexample.org.
  return patterns.some((p) => (p.kind === "exact" ? host === p.value : host.endsWith(`.${p.value}`)));
}

/** Throws BffError("instance_not_allowed") if an allowlist is set and host is not on it, or host is on the denylist. */
export function assertInstanceAllowed(
  host: string,
  lists: { allow: readonly HostPattern[]; deny: readonly HostPattern[] },
): void {
  // Deny wins: an operator blocking one subdomain of an allowed suffix means it.
  if (hostMatches(host, lists.deny)) {
    throw new BffError("instance_not_allowed", `The instance ${host} is blocked on this server.`);
  }
  if (lists.allow.length > 0 && !hostMatches(host, lists.allow)) {
    throw new BffError("instance_not_allowed", `The instance ${host} is not on this server's allowlist.`);
  }
}

/** The lists carried by a policy (none when the caller has none) applied to one canonical host. */
export function assertHostAllowed(host: string, policy: HostPolicy): void {
  assertInstanceAllowed(host, { allow: policy.allow ?? [], deny: policy.deny ?? [] });
}

/**
 * A URL of a host contacted for a user (WebFinger hops, host-meta templates, the streaming host):
 * the SSRF check, then the operator's lists. A list refusal is 403 `instance_not_allowed`: an
 * allowed instance must not lead the BFF (or its Bearer token) to a host the operator excluded.
 */
export function checkContactedUrl(
  raw: string,
  policy: HostPolicy,
  options: { schemes?: readonly string[]; code?: ErrorCode } = {},
): URL {
  const url = checkUpstreamUrl(raw, policy, options);
  assertHostAllowed(url.host, policy);
  return url;
}

/** Hosts remembered by `exclusionCheck`'s predicate, per isolate; a full memo is emptied. */
const EXCLUSION_MEMO_LIMIT = 1000;

/**
 * A predicate for "the operator's lists exclude this canonical host", for every request of a
 * session: with no list it is a constant, otherwise each host's answer is worked out once and then
 * a Map lookup (the lists are fixed for the isolate's life).
 */
export function exclusionCheck(lists: {
  allow: readonly HostPattern[];
  deny: readonly HostPattern[];
}): (host: string) => boolean {
  if (lists.allow.length === 0 && lists.deny.length === 0) return () => false;
  const memo = new Map<string, boolean>();
  return (host) => {
    let excluded = memo.get(host);
    if (excluded === undefined) {
      excluded = hostMatches(host, lists.deny) || (lists.allow.length > 0 && !hostMatches(host, lists.allow));
      if (memo.size >= EXCLUSION_MEMO_LIMIT) memo.clear();
      memo.set(host, excluded);
    }
    return excluded;
  };
}
