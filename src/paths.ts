/**
 * The paths fedi-bff answers, on their own (no imports) so that everything that routes to it —
 * the handler's `handles` and its router, the self-hosted front, wrangler.toml's `run_worker_first`
 * (a test holds it to this list) — reads one list, and a path the same way.
 */
export const FEDI_BFF_PATHS = ["/auth/", "/api/", "/instances/", "/_fedi-bff/"] as const;

/** True when a raw path is under one of fedi-bff's prefixes. */
export function isFediBffPath(path: string): boolean {
  return FEDI_BFF_PATHS.some((prefix) => path.startsWith(prefix));
}

/**
 * The raw path of an absolute URL or of a path, as sent (never decoded): it ends at `?` or `#`,
 * so `https://app.example?next=/auth/login` is the app's root, not fedi-bff's.
 */
export function rawPath(url: string): string {
  const scheme = url.indexOf("://");
  const rest = scheme < 0 ? url : url.slice(scheme + 3);
  const end = rest.search(/[?#]/);
  const upToQuery = end < 0 ? rest : rest.slice(0, end);
  if (scheme < 0) return upToQuery;
  const start = upToQuery.indexOf("/");
  return start < 0 ? "/" : upToQuery.slice(start);
}
