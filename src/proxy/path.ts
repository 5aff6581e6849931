/**
 * Which request paths the proxy forwards. The check reads the RAW request target: a URL parser
 * resolves dot segments (`/api/v1/../../oauth/token`, also spelled `%2e%2e`) before anyone could
 * look at them, and the instance's own router may decode what ours left encoded. So a path is
 * forwarded only when it is already in the one spelling every parser agrees on: plain path
 * characters, no dot segments, no empty segments, no encoded `.`, `/`, `\`, `%` or control bytes,
 * escapes only of well-formed UTF-8 (an overlong `%c0%ae` is a dot to a lenient decoder), under one
 * of the configured prefixes. Everything else is 400 `invalid_path`, never "fixed".
 */
import { BffError } from "../errors.ts";

/** RFC 3986 pchar and "/" (§3.3), with %XX triplets; no space, quote, `#`, `?`, `\`, `<`, `>`, `{`, `}`, backtick or non-ASCII. */
const PATH_SYNTAX = /^(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/]|%[0-9A-Fa-f]{2})*$/;
/** Encoded dot, slash, backslash, percent (double encoding) and C0/DEL controls. */
const DANGEROUS_ESCAPE = /%(?:2[EeFf5]|5[Cc]|[01][0-9A-Fa-f]|7[Ff])/;
/** `.` or `..` as a whole segment. */
const DOT_SEGMENT = /\/\.\.?(?:\/|$)/;
const MAX_PATH_LENGTH = 2048;

export interface ProxyTarget {
  /** The request path exactly as received (already proven to need no normalization). */
  readonly path: string;
  /** `?…` without any access_token parameter, or "". */
  readonly query: string;
}

/** Splits a request URL (absolute, as the runtime hands it over) into a checked path and query. */
export function parseProxyTarget(url: string, prefixes: readonly string[]): ProxyTarget {
  const scheme = url.indexOf("://");
  const start = url.indexOf("/", scheme < 0 ? 0 : scheme + 3);
  if (start < 0) throw invalidPath("");
  const hash = url.indexOf("#", start);
  const end = hash < 0 ? url.length : hash;
  const mark = url.indexOf("?", start);
  const pathEnd = mark < 0 || mark > end ? end : mark;
  const path = url.slice(start, pathEnd);
  if (!isProxyablePath(path, prefixes)) throw invalidPath(path);
  return { path, query: pathEnd === end ? "" : stripAccessToken(url.slice(pathEnd, end)) };
}

/** True when `path` is in canonical form and under one of `prefixes` (each ending in "/"). */
export function isProxyablePath(path: string, prefixes: readonly string[]): boolean {
  if (path.length > MAX_PATH_LENGTH || !PATH_SYNTAX.test(path)) return false;
  if (path.includes("//") || DOT_SEGMENT.test(path) || DANGEROUS_ESCAPE.test(path)) return false;
  if (path.includes("%") && !isUtf8Escaped(path)) return false;
  for (const prefix of prefixes) if (path.startsWith(prefix)) return true;
  return false;
}

/** True when every escape decodes as well-formed UTF-8: `decodeURIComponent` refuses overlong forms, surrogates and stray bytes. */
function isUtf8Escaped(path: string): boolean {
  try {
    decodeURIComponent(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Removes `access_token` parameters (any case, any encoding of the name) from a `?query`: a token
 * from the browser must never reach the instance, where Doorkeeper would honour it. Other
 * parameters keep their exact spelling. Returns "" when nothing is left.
 */
export function stripAccessToken(query: string): string {
  if (!/access|%/i.test(query)) return query === "?" ? "" : query;
  const kept: string[] = [];
  for (const part of query.slice(1).split("&")) {
    if (part !== "" && !isAccessTokenParam(part)) kept.push(part);
  }
  return kept.length === 0 ? "" : `?${kept.join("&")}`;
}

function isAccessTokenParam(part: string): boolean {
  const eq = part.indexOf("=");
  const raw = (eq < 0 ? part : part.slice(0, eq)).replaceAll("+", " ");
  let name: string;
  try {
    name = decodeURIComponent(raw);
  } catch {
    // Undecodable: a server might still read it somehow; drop it if it could be a token.
    return /access/i.test(raw) || raw.includes("%");
  }
  return name.trim().toLowerCase().startsWith("access_token");
}

function invalidPath(path: string): BffError {
  return new BffError(
    "invalid_path",
    "This path is not proxied: only plain, normalized paths under the API prefixes (e.g. /api/v1/) are.",
    {
      internal: `path ${JSON.stringify(path.slice(0, 200))}`,
    },
  );
}
