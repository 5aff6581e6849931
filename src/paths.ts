/**
 * The paths fedi-bff answers, on their own (no imports) so that everything that routes to it —
 * the handler's `handles`, the self-hosted front, wrangler.toml's `run_worker_first` (a test holds
 * it to this list) — reads one list.
 */
export const FEDI_BFF_PATHS = ["/auth/", "/api/", "/instances/", "/_fedi-bff/"] as const;

/** True when a raw path is under one of fedi-bff's prefixes. */
export function isFediBffPath(path: string): boolean {
  return FEDI_BFF_PATHS.some((prefix) => path.startsWith(prefix));
}
