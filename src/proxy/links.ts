/**
 * URLs the instance hands back (`Link` pagination, `Location`) point at the instance; a frontend
 * must follow them through the BFF instead. A URL on the account's instance origin under a proxied
 * prefix becomes the absolute BFF URL of the same path (absolute, so a frontend on another origin follows it to the BFF); anything else — other
 * hosts, other paths, unparsable values — is dropped, never passed on: following it would leave
 * the BFF, or send the browser to a path the proxy would refuse anyway.
 */
import { isProxyablePath, stripAccessToken } from "./path.ts";

export interface LinkContext {
  /** The upstream URL the answer came from: relative references resolve against it. */
  readonly base: string;
  /** The account's instance origin, e.g. https://mastodon.example. */
  readonly instanceOrigin: string;
  /** The BFF's own origin. */
  readonly publicOrigin: string;
  readonly prefixes: readonly string[];
}

/** The BFF URL for an instance URL, or null when it must not be passed on. */
export function rewriteUrl(target: string, ctx: LinkContext): string | null {
  const trimmed = target.trim();
  const fast = rewritePlainUrl(trimmed, ctx);
  if (fast !== undefined) return fast;
  let url: URL;
  try {
    url = new URL(trimmed, ctx.base);
  } catch {
    return null;
  }
  if (url.origin !== ctx.instanceOrigin || url.username !== "" || url.password !== "") return null;
  if (!isProxyablePath(url.pathname, ctx.prefixes)) return null;
  return `${ctx.publicOrigin}${url.pathname}${stripAccessToken(url.search)}`;
}

/** Query characters the URL parser keeps exactly as they are (no `#`, quote, space, `<`, `>`, controls). */
const PLAIN_QUERY = /^[A-Za-z0-9\-._~!$&()*+,;=:@/?%]*$/;
/** Serialized origins seen to be canonical (`new URL(o).origin === o`); bounded, per isolate. */
const canonicalOrigins = new Set<string>();

/**
 * The common case without a URL parser: an absolute URL spelled `<instance origin>/<path>[?query]`
 * whose path passes `isProxyablePath` and whose query holds only characters the parser leaves
 * alone. For such a string `new URL` would give the same origin, pathname and search, so the
 * answer is the same as the general path below. Undefined means "not plain: parse it".
 */
function rewritePlainUrl(target: string, ctx: LinkContext): string | null | undefined {
  const origin = ctx.instanceOrigin;
  if (!target.startsWith(origin) || target.charCodeAt(origin.length) !== 0x2f) return undefined;
  if (!isCanonicalOrigin(origin)) return undefined;
  const mark = target.indexOf("?", origin.length);
  const path = target.slice(origin.length, mark < 0 ? undefined : mark);
  const query = mark < 0 ? "" : target.slice(mark);
  if (!PLAIN_QUERY.test(query) || !isProxyablePath(path, ctx.prefixes)) return undefined;
  return `${ctx.publicOrigin}${path}${stripAccessToken(query)}`;
}

function isCanonicalOrigin(origin: string): boolean {
  if (canonicalOrigins.has(origin)) return true;
  let canonical: boolean;
  try {
    canonical = new URL(origin).origin === origin;
  } catch {
    canonical = false;
  }
  if (canonical && canonicalOrigins.size < 1000) canonicalOrigins.add(origin);
  return canonical;
}

/** `link-param` list after a `<URI-Reference>` (RFC 8288 §3): `; name` or `; name=token|"quoted"`. */
const LINK_PARAMS =
  /^(?:\s*;\s*[A-Za-z0-9!#$&+\-.^_`|~*]+(?:\s*=\s*(?:"[^"\\]*"|[A-Za-z0-9!#$%&'*+\-.^_`|~]+))?)*\s*$/;

/**
 * Rewrites every link of a `Link` header (RFC 8288) with `rewriteUrl`; links that cannot be
 * rewritten, or whose parameters do not parse, are dropped. Null when no link is left.
 */
export function rewriteLinkHeader(value: string, ctx: LinkContext): string | null {
  const out: string[] = [];
  let i = 0;
  while (i < value.length) {
    const open = value.indexOf("<", i);
    if (open < 0) break;
    const close = value.indexOf(">", open + 1);
    if (close < 0) break;
    const end = paramsEnd(value, close + 1);
    const params = value.slice(close + 1, end);
    const target = LINK_PARAMS.test(params) ? rewriteUrl(value.slice(open + 1, close), ctx) : null;
    if (target !== null) out.push(`<${target}>${params.trimEnd()}`);
    i = end + 1;
  }
  return out.length === 0 ? null : out.join(", ");
}

/** Index of the comma ending this link's parameters (outside quoted strings), or the end. */
function paramsEnd(value: string, from: number): number {
  let quoted = false;
  for (let j = from; j < value.length; j++) {
    const ch = value.charCodeAt(j);
    if (ch === 0x22) quoted = !quoted;
    else if (ch === 0x2c && !quoted) return j;
  }
  return value.length;
}
