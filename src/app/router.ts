/**
 * fedi-bff's route table: a method and a pattern per route, matched against the raw request path.
 * It matches as Hono's PatternRouter (hono/tiny) did, which answered these paths before:
 *
 * - a pattern is literal segments and `:name` segments (one non-empty segment each, handed to
 *   the route percent-decoded); a pattern ending in `/*` matches its prefix and anything below it,
 *   the prefix itself included (`/api/*` matches `/api`);
 * - a path may end in one slash more than its pattern (`/auth/session/` is `/auth/session`);
 * - HEAD matches the GET routes (RFC 9110 §9.3.2: HEAD is GET without the content);
 * - the first route in the table that matches wins; `ALL` matches any method.
 *
 * The path is matched as sent, never decoded first: a percent-encoded path (`/%61uth/login`) is
 * no route of fedi-bff's, as it is no path of fedi-bff's for `handles()`, the self-hosted front
 * and the API's fast path, and a handler that reads the raw URL sees the path it was routed by.
 */

/** A route's parameters by name, percent-decoded. */
export type Params = Readonly<Record<string, string>>;

/** One route: its method (`ALL`: any), its pattern, and what answers it. */
export type Route<H> = readonly [method: "GET" | "POST" | "ALL", pattern: string, handler: H];

/** The route a request matched: its pattern (as written in the table), handler and parameters. */
export interface Matched<H> {
  readonly pattern: string;
  readonly handler: H;
  readonly params: Params;
}

/** The first route of `routes` that a request's method and raw path match, or null. */
export type RouteTable<H> = (method: string, path: string) => Matched<H> | null;

const NO_PARAMS: Params = Object.freeze({});

/** A table of routes, each pattern compiled once. */
export function routeTable<H>(routes: readonly Route<H>[]): RouteTable<H> {
  const compiled = routes.map(([method, pattern, handler]) => ({
    method,
    pattern,
    handler,
    regexp: compile(pattern),
  }));
  return function match(method, path) {
    const wanted = method === "HEAD" ? "GET" : method;
    for (const route of compiled) {
      if (route.method !== wanted && route.method !== "ALL") continue;
      const found = route.regexp.exec(path);
      if (found === null) continue;
      return { pattern: route.pattern, handler: route.handler, params: decoded(found.groups) };
    }
    return null;
  };
}

/** `/a/:b/*` as `^/a/(?<b>[^/]+)(?:/|$)`; without the `*`, `^/a/(?<b>[^/]+)/?$`. */
function compile(pattern: string): RegExp {
  const prefix = pattern.endsWith("/*");
  const segments = (prefix ? pattern.slice(0, -2) : pattern)
    .split("/")
    .map((segment) =>
      segment.startsWith(":")
        ? `(?<${segment.slice(1)}>[^/]+)`
        : segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"),
    );
  return new RegExp(`^${segments.join("/")}${prefix ? "(?:/|$)" : "/?$"}`);
}

function decoded(groups: Record<string, string> | undefined): Params {
  if (groups === undefined) return NO_PARAMS;
  const params: Record<string, string> = {};
  for (const [name, raw] of Object.entries(groups)) params[name] = decodeParam(raw);
  return params;
}

/** `decodeURIComponent`, or the segment as sent when it holds an invalid escape. */
function decodeParam(raw: string): string {
  if (!raw.includes("%")) return raw;
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}
