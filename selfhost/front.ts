/**
 * The self-hosted server's front module (`npm run self-host` with a frontend folder): one origin
 * for the frontend's static files and fedi-bff, with the routing rules of Workers Static Assets
 * as wrangler.toml configures them (`not_found_handling = "single-page-application"`,
 * `run_worker_first` = fedi-bff's paths):
 *
 * - fedi-bff's paths go to fedi-bff untouched: the same Request object (body streamed, `cf` with
 *   the socket peer kept), and its Response returned as it is (WebSocket upgrades included).
 * - GET and HEAD elsewhere: a file of the folder as it is; `/dir/` → `dir/index.html`, and `/dir`
 *   → 307 to `/dir/` when that exists. A browser navigation (`Sec-Fetch-Mode: navigate`) to
 *   anything else gets `index.html` (a single-page application's deep link); any other request
 *   goes to fedi-bff, whose answer is its JSON 404 — as on Cloudflare, where a request no asset
 *   matches runs the Worker.
 * - Other methods off fedi-bff's paths: 405.
 *
 * The folder is a read-only workerd `disk` service (dotfiles hidden, `.`/`..` never reachable);
 * paths are checked here too, segment by segment, so no spelling leaves it. No dependencies.
 * selfhost/one-origin.ts runs it in the same isolate as fedi-bff's bundle.
 */

import { isFediBffPath } from "../src/paths.ts";

/** One rule of the folder's `_headers` file, as selfhost/headers-file.ts reads it. */
export interface HeaderRule {
  /** `/*`, `/assets/*`, `/users/:id` (`*` matches anything, `:name` one path segment). */
  readonly path: string;
  readonly set: readonly (readonly [string, string])[];
  /** Names of headers to remove (`! Name`). */
  readonly detach: readonly string[];
}

/** What a `fetch` binding offers (a service binding, the disk service). */
interface Service {
  fetch(request: Request): Promise<Response>;
}

/** The folder's bindings. */
export interface FilesEnv {
  readonly FILES: Service;
  /** The `_headers` rules (a JSON binding). */
  readonly HEADERS: readonly HeaderRule[];
}

/** Content types by extension; the disk service sends every file as application/octet-stream. */
const TYPES: Readonly<Record<string, string>> = {
  html: "text/html; charset=utf-8",
  htm: "text/html; charset=utf-8",
  css: "text/css; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  mjs: "text/javascript; charset=utf-8",
  json: "application/json",
  map: "application/json",
  webmanifest: "application/manifest+json",
  txt: "text/plain; charset=utf-8",
  xml: "application/xml",
  svg: "image/svg+xml",
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  gif: "image/gif",
  webp: "image/webp",
  avif: "image/avif",
  ico: "image/x-icon",
  woff: "font/woff",
  woff2: "font/woff2",
  ttf: "font/ttf",
  otf: "font/otf",
  wasm: "application/wasm",
  pdf: "application/pdf",
  mp4: "video/mp4",
  webm: "video/webm",
  mp3: "audio/mpeg",
};

/** Files of the folder that configure the server and are never served (as on Cloudflare). */
const CONFIG_FILES = new Set(["_headers", "_redirects"]);

/** One request: a file of the folder, or `toBff(request)` with the very same Request object. */
export async function serveFront(
  request: Request,
  env: FilesEnv,
  toBff: (request: Request) => Response | Promise<Response>,
): Promise<Response> {
  const url = new URL(request.url);
  if (isFediBffPath(url.pathname)) return toBff(request);
  if (request.method !== "GET" && request.method !== "HEAD") {
    return new Response(null, { status: 405, headers: { allow: "GET, HEAD" } });
  }
  const segments = fileSegments(url.pathname);
  const answer = segments === null ? null : await staticAnswer(segments, url, request.method, env);
  if (answer !== null) return answer;
  if (request.headers.get("sec-fetch-mode") === "navigate") {
    const index = await file(["index.html"], request.method, env);
    if (index !== null) return withHeaders(index, "index.html", url.pathname, env.HEADERS);
  }
  return toBff(request);
}

/**
 * The decoded segments of a path that may name a file, or null. The URL parser has already
 * resolved `.`/`..` (also as `%2e`) and turned `\` into `/`; a segment that decodes to a
 * separator, a dot segment, a dotfile, a NUL or an empty name (`//`) is refused here, so the
 * disk service only ever sees plain names below its folder.
 */
export function fileSegments(pathname: string): string[] | null {
  const raw = pathname.split("/").slice(1);
  const segments: string[] = [];
  for (const [i, part] of raw.entries()) {
    let name: string;
    try {
      name = decodeURIComponent(part);
    } catch {
      return null;
    }
    // Only the last segment may be empty: `/dir/`.
    if (name === "" && i === raw.length - 1) break;
    if (name === "" || name.startsWith(".") || /[/\\\0]/.test(name)) return null;
    segments.push(name);
  }
  if (segments.length === 1 && CONFIG_FILES.has(segments[0] as string)) return null;
  return segments;
}

/** A file, a folder's index.html, or a 307 to a folder's slash; null when the path is no file. */
async function staticAnswer(
  segments: readonly string[],
  url: URL,
  method: string,
  env: FilesEnv,
): Promise<Response | null> {
  if (url.pathname.endsWith("/")) {
    const index = await file([...segments, "index.html"], method, env);
    return index === null ? null : withHeaders(index, "index.html", url.pathname, env.HEADERS);
  }
  const found = await env.FILES.fetch(diskRequest(segments, method));
  if (found.status !== 200) {
    await found.body?.cancel();
    return null;
  }
  // The disk service answers a folder with a JSON listing (workerd.capnp, DiskDirectory): never
  // shown; a folder with an index.html gets its slash, as Workers Static Assets does.
  if (found.headers.get("content-type") === "application/json") {
    await found.body?.cancel();
    const index = await file([...segments, "index.html"], "HEAD", env);
    if (index === null) return null;
    return new Response(null, { status: 307, headers: { location: `${url.pathname}/${url.search}` } });
  }
  return withHeaders(found, segments.at(-1) as string, url.pathname, env.HEADERS);
}

/** A file (not a folder) of the folder, or null. */
async function file(segments: readonly string[], method: string, env: FilesEnv): Promise<Response | null> {
  const found = await env.FILES.fetch(diskRequest(segments, method));
  if (found.status === 200 && found.headers.get("content-type") !== "application/json") return found;
  await found.body?.cancel();
  return null;
}

function diskRequest(segments: readonly string[], method: string): Request {
  return new Request(`http://files/${segments.map(encodeURIComponent).join("/")}`, { method });
}

/** The disk's answer with the headers of a static file: its type, no caching without revalidation, `_headers`. */
function withHeaders(
  found: Response,
  name: string,
  pathname: string,
  rules: readonly HeaderRule[],
): Response {
  const headers = new Headers();
  const length = found.headers.get("content-length");
  if (length !== null) headers.set("content-length", length);
  const extension = /\.([^.]+)$/.exec(name)?.[1]?.toLowerCase() ?? "";
  headers.set("content-type", TYPES[extension] ?? "application/octet-stream");
  headers.set("cache-control", "public, max-age=0, must-revalidate");
  applyRules(headers, pathname, rules);
  return new Response(found.body, { status: 200, headers });
}

/** Every matching rule in file order; a header two rules set gets both values, comma-joined. */
export function applyRules(headers: Headers, pathname: string, rules: readonly HeaderRule[]): void {
  const added = new Set<string>();
  for (const rule of rules) {
    if (!pattern(rule.path).test(pathname)) continue;
    for (const [name, value] of rule.set) {
      const key = name.toLowerCase();
      if (added.has(key)) headers.append(key, value);
      else headers.set(key, value);
      added.add(key);
    }
    for (const name of rule.detach) headers.delete(name);
  }
}

const patterns = new Map<string, RegExp>();

/** `/*` → /^\/.*$/, `/u/:id` → /^\/u\/[^/]+$/; everything else literal. Memoized per isolate. */
function pattern(path: string): RegExp {
  let compiled = patterns.get(path);
  if (compiled === undefined) {
    const source = path
      .split(/(\*|:[A-Za-z_]\w*)/)
      .map((part) =>
        part === "*" ? ".*" : part.startsWith(":") ? "[^/]+" : part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"),
      )
      .join("");
    compiled = new RegExp(`^${source}$`);
    patterns.set(path, compiled);
  }
  return compiled;
}
