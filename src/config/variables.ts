/**
 * The one list of fedi-bff's settings: the variables (wrangler.toml `[vars]` and secrets; the
 * environment when self-hosted) and the bindings. `Env` (env.ts), the self-hosted server
 * (selfhost/settings.ts) and the `fedi-bff check` command take their names from here. Plain data,
 * no imports: Node programs load it as it is.
 */

/** Every variable fedi-bff reads, each a string as the platform delivers it (config.ts parses them). */
export const FEDI_BFF_VARIABLES = [
  "ENVIRONMENT",
  "SESSION_KEYS",
  "PUBLIC_URL",
  "APP_NAME",
  "APP_WEBSITE",
  "SCOPES",
  "SESSION_TTL",
  "UPSTREAM_TIMEOUT",
  "ALLOW_INSECURE_INSTANCES",
  "INSTANCE_ALLOWLIST",
  "INSTANCE_DENYLIST",
  "FRONTEND_ORIGINS",
  "PROXY_PATH_PREFIXES",
  "PUBLIC_PROXY",
  "TRUSTED_PROXIES",
  "ADMIN_TOKEN",
] as const;

export type VariableName = (typeof FEDI_BFF_VARIABLES)[number];

/** The bindings fedi-bff uses (wrangler.toml): KV, the Durable Object, the rate limiter, metrics. */
export const FEDI_BFF_BINDINGS = ["APPS", "REGISTRAR", "LOGIN_LIMITER", "METRICS"] as const;

/** Settings fedi-bff no longer reads; an env that sets one is told so once (never an error). */
export const RETIRED_SETTINGS = ["DEMO_PAGE"] as const;

/**
 * For each name in `names` that is none of `known` but close to one of them (a typo, another
 * case, a separator more or less: `INSTANCE_ALLOW_LIST`, `SESSION_KEY`, `PUBLIC_URl`), a problem
 * naming the right one. A setting with a typo would otherwise be ignored in silence — no
 * allowlist, say — so it fails closed. Names that are not close stay the app's own.
 */
export function misspelledSettings(
  names: Iterable<string>,
  known: readonly string[] = [...FEDI_BFF_VARIABLES, ...FEDI_BFF_BINDINGS, ...RETIRED_SETTINGS],
): string[] {
  const exact = new Set(known);
  const problems: string[] = [];
  for (const name of names) {
    if (exact.has(name)) continue;
    const meant = known.find((candidate) => isClose(name, candidate));
    if (meant !== undefined) problems.push(`${name}: not a setting of fedi-bff; did you mean ${meant}?`);
  }
  return problems;
}

/** Close: equal once case and separators are ignored, or within a small edit distance of a long name. */
function isClose(name: string, candidate: string): boolean {
  const a = squash(name);
  const b = squash(candidate);
  if (a === b) return true;
  // Short names (APPS, PORT) match only when spelled alike: too many words are one edit from them.
  const allowed = b.length >= 10 ? 2 : b.length >= 6 ? 1 : 0;
  return allowed > 0 && Math.abs(a.length - b.length) <= allowed && distance(a, b) <= allowed;
}

function squash(name: string): string {
  return name.toUpperCase().replace(/[^A-Z0-9]/g, "");
}

/** Edit distance with adjacent transpositions (optimal string alignment). */
function distance(a: string, b: string): number {
  let before: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min((previous[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, (before[j - 2] ?? 0) + 1);
      }
      row.push(best);
    }
    before = previous;
    previous = row;
  }
  return previous[b.length] ?? 0;
}
