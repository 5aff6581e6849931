/**
 * Login by handle (`@alice@example.org`): the account's domain may differ from the host that
 * serves the Mastodon API (`social.example.org`). WebFinger (RFC 7033) answers which; host-meta
 * (RFC 6415) is the fallback. Every host involved, including every redirect hop and the host-meta
 * template's host, passes the same SSRF check as a typed instance and the operator's allow/deny
 * lists. The handle's domain chooses where these GETs go, so one resolution sends at most
 * MAX_REQUESTS of them, and outcomes are remembered per isolate (instance/handle-memo.ts): a
 * missing user per handle, and a host backed off only for its own transport failures when it was
 * asked directly (timeouts, 5xx, unparsable answers) — never for made-up names at it, nor for a
 * chain another domain started by redirecting there, so nobody can turn lookups off for others.
 */
import { BffError, isBffError } from "../errors.ts";
import {
  asRecord,
  discard,
  readJson,
  readText,
  type UpstreamContext,
  upstreamFetch,
} from "../http/upstream.ts";
import { HandleMemo } from "./handle-memo.ts";
import { checkUpstreamUrl, type HostPolicy, type InstanceOrigin, parseInstance } from "./host.ts";
import { assertHostAllowed } from "./policy.ts";

export interface Handle {
  readonly username: string;
  readonly domain: InstanceOrigin;
}

const HANDLE = /^@?([a-z0-9_][a-z0-9_.-]{0,63})@([^@\s]+)$/i;
/** Upstream requests per resolution, redirect hops included: WebFinger, or host-meta then lrdd, with a hop. */
export const MAX_REQUESTS = 4;
const JRD_TYPES = /^application\/(jrd\+)?json\b/i;

/** Resolved handles and failing hosts of this isolate. */
const HANDLES = new HandleMemo<InstanceOrigin>();

/** One resolution's budget, the domain that started it, and the hosts that failed it. */
interface Walk {
  left: number;
  /** The handle's domain: the only host a failure of this resolution may count against. */
  readonly domain: string;
  readonly failed: Set<string>;
  /** The host the last answer came from. */
  answeredBy: string;
  readonly memo: HandleMemo<InstanceOrigin>;
  readonly now: number;
  /** The handle, for the error when its domain does not answer. */
  readonly handle: string;
  /** The handle's own domain did not answer (network failure or timeout): not a missing account. */
  unreachable?: BffError;
}

/** Failures that say the domain did not answer at all, rather than that it knows no such account. */
const UNREACHABLE = new Set(["instance_unreachable", "instance_timeout"]);

/** The domain's own failure, in words that name the handle and what to do. */
function unreachable(error: BffError, walk: Walk): BffError {
  const what = error.code === "instance_timeout" ? "did not answer in time" : "could not be reached";
  return new BffError(
    error.code,
    `${walk.domain} ${what} to look up ${walk.handle}; check the name, or try again later.`,
    {
      internal: error.internal,
    },
  );
}

/** `@user@domain` or `user@domain` → Handle; null when the input is not a handle at all. */
export function parseHandle(input: string, policy: HostPolicy): Handle | null {
  // Only plain spaces are trimmed, as for a host: CR/LF/TAB around a handle are refused too.
  const match = HANDLE.exec(input.replace(/^ +| +$/g, ""));
  if (match === null) return null;
  const [, username = "", domain = ""] = match;
  return { username: username.toLowerCase(), domain: parseInstance(domain, policy) };
}

/** The instance that serves this handle's account (`memo` and `clock` are for tests). */
export async function resolveHandle(
  ctx: UpstreamContext,
  handle: Handle,
  policy: HostPolicy,
  memo: HandleMemo<InstanceOrigin> = HANDLES,
  clock: () => number = Date.now,
): Promise<InstanceOrigin> {
  const resource = `acct:${handle.username}@${handle.domain.host}`;
  const now = clock();
  let host = memo.outcome(resource, now);
  if (host === undefined) {
    const walk: Walk = {
      left: MAX_REQUESTS,
      domain: handle.domain.host,
      handle: `@${handle.username}@${handle.domain.host}`,
      failed: new Set(),
      answeredBy: "",
      memo,
      now,
    };
    try {
      host = await lookup(ctx, handle.domain, resource, policy, walk);
    } finally {
      memo.recordFailure(walk.failed, now);
    }
    if (host === null && walk.unreachable !== undefined) throw walk.unreachable;
    memo.remember(resource, host, now);
  }
  if (host === null) {
    throw new BffError("handle_not_found", `No account ${handle.username}@${handle.domain.host} was found.`);
  }
  return host;
}

async function lookup(
  ctx: UpstreamContext,
  domain: InstanceOrigin,
  resource: string,
  policy: HostPolicy,
  walk: Walk,
): Promise<InstanceOrigin | null> {
  const query = `?resource=${encodeURIComponent(resource)}`;
  let jrd = await fetchJrd(ctx, `${domain.origin}/.well-known/webfinger${query}`, policy, walk);
  if (jrd === null) {
    const template = await lrddTemplate(ctx, domain.origin, policy, walk);
    if (template !== null)
      jrd = await fetchJrd(ctx, template.replace("{uri}", encodeURIComponent(resource)), policy, walk);
  }
  return jrd === null ? null : accountHost(jrd, policy);
}

/** Refuses a host the operator's lists exclude (403) or one this isolate is backing off (429). */
function assertMayContact(host: string, policy: HostPolicy, walk: Walk): void {
  assertHostAllowed(host, policy);
  const wait = walk.memo.backedOff(host, walk.now);
  if (wait > 0) {
    const seconds = Math.ceil(wait / 1000);
    throw new BffError("rate_limited", `Handle lookups at ${host} keep failing; try again in ${seconds} s.`, {
      headers: { "retry-after": String(seconds) },
    });
  }
}

/** GET with manual redirects: each hop passes the host check and the lists, within the budget. Null on any failure. */
async function fetchChecked(
  ctx: UpstreamContext,
  url: string,
  policy: HostPolicy,
  accept: string,
  walk: Walk,
) {
  let target = url;
  while (walk.left > 0) {
    let checked: URL;
    try {
      checked = checkUpstreamUrl(target, policy);
    } catch (error) {
      if (isBffError(error)) return null;
      throw error;
    }
    assertMayContact(checked.host, policy, walk);
    walk.left--;
    let res: Response;
    try {
      res = await upstreamFetch(ctx, checked, { headers: { accept } });
    } catch (error) {
      if (!isBffError(error)) throw error;
      failedAt(walk, checked.host);
      if (checked.host === walk.domain && UNREACHABLE.has(error.code))
        walk.unreachable ??= unreachable(error, walk);
      return null;
    }
    const location = res.headers.get("location");
    if (res.status >= 300 && res.status < 400 && location !== null) {
      await discard(res);
      target = new URL(location, target).href;
      continue;
    }
    walk.answeredBy = checked.host;
    if (res.status === 200) return res;
    if (res.status >= 500) failedAt(walk, checked.host);
    await discard(res);
    return null;
  }
  return null;
}

/** A transport failure, 5xx or unparsable answer counts against the handle's own domain only. */
function failedAt(walk: Walk, host: string): void {
  if (host === walk.domain) walk.failed.add(host);
}

async function fetchJrd(
  ctx: UpstreamContext,
  url: string,
  policy: HostPolicy,
  walk: Walk,
): Promise<Record<string, unknown> | null> {
  const res = await fetchChecked(ctx, url, policy, "application/jrd+json, application/json", walk);
  if (res === null) return null;
  if (!JRD_TYPES.test(res.headers.get("content-type") ?? "")) {
    await discard(res);
    return null;
  }
  try {
    const json = await readJson(res, "invalid_upstream_response", 64 * 1024);
    return asRecord(json);
  } catch {
    failedAt(walk, walk.answeredBy);
    return null;
  }
}

/** The account's server: the host of its ActivityPub `self` link (or profile page). */
function accountHost(jrd: Record<string, unknown>, policy: HostPolicy): InstanceOrigin | null {
  const links = Array.isArray(jrd.links) ? jrd.links : [];
  const pick = (rel: string) =>
    links.find(
      (l): l is { href: string } =>
        typeof l === "object" && l !== null && l.rel === rel && typeof l.href === "string",
    );
  const link = pick("self") ?? pick("http://webfinger.net/rel/profile-page");
  if (link === undefined) return null;
  try {
    return parseInstance(checkUpstreamUrl(link.href, policy).host, policy);
  } catch {
    return null;
  }
}

/** host-meta XML: a small, bounded extractor for the `lrdd` template. */
async function lrddTemplate(
  ctx: UpstreamContext,
  origin: string,
  policy: HostPolicy,
  walk: Walk,
): Promise<string | null> {
  const res = await fetchChecked(ctx, `${origin}/.well-known/host-meta`, policy, "application/xrd+xml", walk);
  if (res === null) return null;
  let text: string;
  try {
    text = await readText(res, 16 * 1024);
  } catch {
    return null;
  }
  const link = /<Link\b[^>]*\brel=["']lrdd["'][^>]*>/i.exec(text)?.[0];
  const template = link === undefined ? undefined : /\btemplate=["']([^"']{1,512})["']/i.exec(link)?.[1];
  if (template === undefined || !template.includes("{uri}")) return null;
  const decoded = template.replaceAll("&amp;", "&");
  try {
    checkUpstreamUrl(decoded.replace("{uri}", "x"), policy);
    return decoded;
  } catch {
    return null;
  }
}
