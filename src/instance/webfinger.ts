/**
 * Login by handle (`@alice@example.org`): the account's domain may differ from the host that
 * serves the Mastodon API (`social.example.org`). WebFinger (RFC 7033) answers which; host-meta
 * (RFC 6415) is the fallback. Every host involved, including every redirect hop (RULINGS 6),
 * passes the same SSRF check as a typed instance.
 */
import { BffError, isBffError } from "../errors.ts";
import { discard, readJson, readText, type UpstreamContext, upstreamFetch } from "../http/upstream.ts";
import { checkUpstreamUrl, type HostPolicy, type InstanceOrigin, parseInstance } from "./host.ts";

export interface Handle {
  readonly username: string;
  readonly domain: InstanceOrigin;
}

const HANDLE = /^@?([a-z0-9_][a-z0-9_.-]{0,63})@([^@\s]+)$/i;
const MAX_HOPS = 3;
const JRD_TYPES = /^application\/(jrd\+)?json\b/i;

/** `@user@domain` or `user@domain` → Handle; null when the input is not a handle at all. */
export function parseHandle(input: string, policy: HostPolicy): Handle | null {
  // Only plain spaces are trimmed, as for a host: CR/LF/TAB around a handle are refused too.
  const match = HANDLE.exec(input.replace(/^ +| +$/g, ""));
  if (match === null) return null;
  const [, username = "", domain = ""] = match;
  return { username: username.toLowerCase(), domain: parseInstance(domain, policy) };
}

/** The instance that serves this handle's account. */
export async function resolveHandle(
  ctx: UpstreamContext,
  handle: Handle,
  policy: HostPolicy,
): Promise<InstanceOrigin> {
  const resource = `acct:${handle.username}@${handle.domain.host}`;
  const query = `?resource=${encodeURIComponent(resource)}`;
  let jrd = await fetchJrd(ctx, `${handle.domain.origin}/.well-known/webfinger${query}`, policy);
  if (jrd === null) {
    const template = await lrddTemplate(ctx, handle.domain.origin, policy);
    if (template !== null)
      jrd = await fetchJrd(ctx, template.replace("{uri}", encodeURIComponent(resource)), policy);
  }
  const host = jrd === null ? null : accountHost(jrd, policy);
  if (host === null) {
    throw new BffError("handle_not_found", `No account ${handle.username}@${handle.domain.host} was found.`);
  }
  return host;
}

/** GET with manual redirects: each hop must pass the host check. Null on any failure. */
async function fetchChecked(ctx: UpstreamContext, url: string, policy: HostPolicy, accept: string) {
  let target = url;
  for (let hop = 0; hop <= MAX_HOPS; hop++) {
    let res: Response;
    try {
      res = await upstreamFetch(ctx, checkUpstreamUrl(target, policy), { headers: { accept } });
    } catch (error) {
      if (isBffError(error)) return null;
      throw error;
    }
    const location = res.headers.get("location");
    if (res.status >= 300 && res.status < 400 && location !== null) {
      await discard(res);
      target = new URL(location, target).href;
      continue;
    }
    if (res.status === 200) return res;
    await discard(res);
    return null;
  }
  return null;
}

async function fetchJrd(
  ctx: UpstreamContext,
  url: string,
  policy: HostPolicy,
): Promise<Record<string, unknown> | null> {
  const res = await fetchChecked(ctx, url, policy, "application/jrd+json, application/json");
  if (res === null) return null;
  if (!JRD_TYPES.test(res.headers.get("content-type") ?? "")) {
    await discard(res);
    return null;
  }
  try {
    const json = await readJson(res, "invalid_upstream_response", 64 * 1024);
    return typeof json === "object" && json !== null ? (json as Record<string, unknown>) : null;
  } catch {
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

/** host-meta XML: a small, bounded extractor for the `lrdd` template (RULINGS 6). */
async function lrddTemplate(
  ctx: UpstreamContext,
  origin: string,
  policy: HostPolicy,
): Promise<string | null> {
  const res = await fetchChecked(ctx, `${origin}/.well-known/host-meta`, policy, "application/xrd+xml");
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
