/**
 * The frontend folder the self-hosted server serves beside fedi-bff (selfhost/front.ts): by
 * default wrangler.toml's `[assets] directory` (which `[build]` makes during the bundle build, as
 * on Cloudflare), or `ASSETS_DIR`; `ASSETS_DIR=none` (or empty) serves fedi-bff alone.
 */
import { existsSync, readFileSync, realpathSync, statSync } from "node:fs";
import { basename, dirname, isAbsolute, join, relative, resolve } from "node:path";
import type { HeaderRule } from "./front.ts";
import { parseHeadersFile } from "./headers-file.ts";
import { wranglerAssetsDirectory } from "./workerd.ts";

export interface Frontend {
  /** Absolute. */
  readonly dir: string;
  /** `ASSETS_DIR` when set; `wrangler.toml` when the folder is the one `[build]` makes. */
  readonly source: "ASSETS_DIR" | "wrangler.toml";
}

/** ASSETS_DIR, or wrangler.toml's folder when it is unset; null: no frontend. */
export function parseAssetsDir(raw: string | undefined, cwd: string, problems: string[]): Frontend | null {
  if (raw === undefined) {
    const dir = wranglerAssetsDirectory();
    return dir === null ? null : { dir, source: "wrangler.toml" };
  }
  const value = raw.trim();
  if (value === "" || value === "none") return null;
  if (value.includes("\n") || value.includes('"')) {
    problems.push("ASSETS_DIR: a path without quotes or line breaks, please");
    return null;
  }
  return { dir: isAbsolute(value) ? value : resolve(cwd, value), source: "ASSETS_DIR" };
}

const within = (parent: string, child: string) => {
  const path = relative(parent, child);
  return path === "" || (!path.startsWith("..") && !isAbsolute(path));
};

/**
 * The path a folder really is, symlinks resolved: the real path of its nearest existing ancestor
 * with the rest appended (DATA_DIR may not exist yet). Two spellings of one folder — a symlink, a
 * bind of `..` — compare equal only this way.
 */
export function realPath(path: string): string {
  const absolute = resolve(path);
  if (existsSync(absolute)) return realpathSync(absolute);
  const parent = dirname(absolute);
  return parent === absolute ? absolute : join(realPath(parent), basename(absolute));
}

/**
 * The folder's `_headers` rules, and every problem with the folder: it must exist, hold an
 * index.html (the single-page fallback) and stay apart from DATA_DIR (whose registrations and
 * config it would otherwise serve).
 */
export function readFrontend(
  frontend: Frontend,
  dataDir: string,
): { readonly rules: HeaderRule[]; readonly problems: string[] } {
  const name = frontend.source === "ASSETS_DIR" ? "ASSETS_DIR" : "wrangler.toml [assets] directory";
  const at = `${name}: ${frontend.dir}`;
  const [front, data] = [realPath(frontend.dir), realPath(dataDir)];
  if (within(front, data) || within(data, front)) {
    return { rules: [], problems: [`${at} overlaps DATA_DIR (${dataDir}); keep them apart`] };
  }
  if (!existsSync(frontend.dir) || !statSync(frontend.dir).isDirectory()) {
    return { rules: [], problems: [`${at} is not a folder`] };
  }
  const problems: string[] = [];
  const index = resolve(frontend.dir, "index.html");
  if (!existsSync(index) || !statSync(index).isFile()) problems.push(`${at} has no index.html`);
  const headersFile = resolve(frontend.dir, "_headers");
  if (!existsSync(headersFile)) return { rules: [], problems };
  const parsed = parseHeadersFile(readFileSync(headersFile, "utf8"));
  problems.push(...parsed.problems.map((problem) => `${at}/_headers ${problem}`));
  return { rules: parsed.rules, problems };
}
