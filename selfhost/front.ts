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
 * paths are checked here too, segment by segment, so no spelling leaves it, and a symlink (which
 * the disk service would follow anywhere) is never served nor walked through. `_headers` rules
 * match the decoded path that found the file. No dependencies.
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
  // `_headers` rules match the path that finds the file: `/%75ploads/x` is `/uploads/x`, and gets
  // its rules (a rule matched on the raw spelling would be skipped by a percent-encoded one).
  const rulePath = segments === null ? url.pathname : decodedPath(segments, url.pathname.endsWith("/"));
  const answer = segments === null ? null : await staticAnswer(segments, url, rulePath, request.method, env);
  if (answer !== null) return answer;
  if (request.headers.get("sec-fetch-mode") === "navigate") {
    const index = await file(["index.html"], request.method, env);
    if (index !== null) return withHeaders(index, "index.html", rulePath, env.HEADERS);
  }
  return toBff(request);
}

/** The path as the folder sees it: decoded segments, with the request's trailing slash. */
function decodedPath(segments: readonly string[], slash: boolean): string {
  return `/${segments.join("/")}${slash && segments.length > 0 ? "/" : ""}`;
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
  rulePath: string,
  method: string,
  env: FilesEnv,
): Promise<Response | null> {
  if (url.pathname.endsWith("/")) {
    const index = await file([...segments, "index.html"], method, env);
    return index === null ? null : withHeaders(index, "index.html", rulePath, env.HEADERS);
  }
  const kind = await entryKind(segments, env);
  if (kind === "directory") {
    // A folder with an index.html gets its slash, as Workers Static Assets does.
    const index = await entryKind([...segments, "index.html"], env);
    if (index !== "file") return null;
    return new Response(null, { status: 307, headers: { location: `${url.pathname}/${url.search}` } });
  }
  const found = kind === "file" ? await file(segments, method, env) : null;
  return found === null ? null : withHeaders(found, segments.at(-1) as string, rulePath, env.HEADERS);
}

/** A file (not a folder, not reached through a symlink) of the folder, or null. */
async function file(segments: readonly string[], method: string, env: FilesEnv): Promise<Response | null> {
  if ((await entryKind(segments, env)) !== "file") return null;
  const found = await env.FILES.fetch(diskRequest(segments, method));
  if (found.status === 200 && found.headers.get("content-type") !== "application/json") return found;
  await found.body?.cancel();
  return null;
}

/**
 * What `segments` names in the folder, read from the disk service's listings of each folder on
 * the way (workerd.capnp, DiskDirectory: `[{"name":…,"type":"file"|"directory"|"symlink"|…}]`).
 * The disk service follows symlinks wherever they lead, so an entry that is a symlink — or lies
 * below one — is no file here: nothing leaves the folder through a link.
 */
async function entryKind(segments: readonly string[], env: FilesEnv): Promise<"file" | "directory" | null> {
  if (segments.length === 0) return "directory";
  const listings = await Promise.all(segments.map((_, i) => listing(segments.slice(0, i), env)));
  let kind: string | undefined;
  for (const [i, name] of segments.entries()) {
    kind = listings[i]?.get(name);
    if (i < segments.length - 1 && kind !== "directory") return null;
  }
  return kind === "file" || kind === "directory" ? kind : null;
}

/** A folder's entries by name → type, or null when it is no folder. */
async function listing(segments: readonly string[], env: FilesEnv): Promise<Map<string, string> | null> {
  const path = segments.length === 0 ? "" : `${segments.map(encodeURIComponent).join("/")}/`;
  const res = await env.FILES.fetch(new Request(`http://files/${path}`));
  if (res.status !== 200 || res.headers.get("content-type") !== "application/json") {
    await res.body?.cancel();
    return null;
  }
  const entries: unknown = await res.json();
  const types = new Map<string, string>();
  if (!Array.isArray(entries)) return null;
  for (const entry of entries as { name?: unknown; type?: unknown }[]) {
    if (typeof entry?.name === "string" && typeof entry.type === "string") types.set(entry.name, entry.type);
  }
  return types;
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
