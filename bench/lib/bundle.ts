/**
 * What the production bundle is made of, from esbuild's metafile (`wrangler deploy --metafile`):
 * each source module's bytes in the minified output, and the same summed per package. The bytes are
 * minified, not gzipped: gzip compresses across module boundaries, so a module has no gzip size of
 * its own, but its share of the minified output is a fair guide to its share of the budget.
 */
import { readFileSync } from "node:fs";

export interface ModuleShare {
  /** Source path as esbuild names it, relative to the project (node_modules/… for packages). */
  readonly path: string;
  readonly bytes: number;
  /** bytes ÷ all bytes the bundle's code takes in the output. */
  readonly share: number;
}

export interface Composition {
  readonly totalBytes: number;
  /** Every module, largest first. */
  readonly modules: readonly ModuleShare[];
  /** Per package (`src/<folder>` for fedi-bff's own code), largest first. */
  readonly packages: readonly ModuleShare[];
}

interface Metafile {
  outputs: Record<string, { inputs: Record<string, { bytesInOutput: number }> }>;
}

/** The project-relative name of an input (esbuild names them relative to the working directory). */
function sourceName(input: string): string {
  const at = input.lastIndexOf("node_modules/");
  if (at >= 0) return input.slice(at);
  return input.replace(/^(\.\.\/)+/, "").replace(/^.*?\b(src|bench)\//, "$1/");
}

/** `node_modules/hono/dist/x.js` → `hono`; `src/session/seal.ts` → `src/session`. */
function packageName(path: string): string {
  const pkg = /^node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path)?.[1];
  if (pkg !== undefined) return pkg;
  const parts = path.split("/");
  return parts.length > 2 ? parts.slice(0, 2).join("/") : path;
}

function shares(bytesByName: ReadonlyMap<string, number>, total: number): ModuleShare[] {
  return [...bytesByName]
    .map(([path, bytes]) => ({ path, bytes, share: bytes / total }))
    .sort((a, b) => b.bytes - a.bytes);
}

/** Reads the metafile written next to `bundlePath` (the `.js` output of the build). */
export function composition(metafilePath: string, bundleFile: string): Composition {
  const meta = JSON.parse(readFileSync(metafilePath, "utf8")) as Metafile;
  const output = Object.entries(meta.outputs).find(([name]) => name.endsWith(`/${bundleFile}`))?.[1];
  if (output === undefined) throw new Error(`${metafilePath}: no output named ${bundleFile}`);
  const modules = new Map<string, number>();
  const packages = new Map<string, number>();
  let totalBytes = 0;
  for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
    const path = sourceName(input);
    modules.set(path, (modules.get(path) ?? 0) + bytesInOutput);
    const pkg = packageName(path);
    packages.set(pkg, (packages.get(pkg) ?? 0) + bytesInOutput);
    totalBytes += bytesInOutput;
  }
  return { totalBytes, modules: shares(modules, totalBytes), packages: shares(packages, totalBytes) };
}

/** A plain-text table of the `top` largest entries. */
export function compositionTable(rows: readonly ModuleShare[], top: number): string {
  const shown = rows.slice(0, top);
  const width = Math.max(...shown.map((r) => r.path.length), 6);
  return shown
    .map(
      (r, i) =>
        `${String(i + 1).padStart(3)}. ${r.path.padEnd(width)} ${r.bytes.toLocaleString("en-US").padStart(7)} B  ${(r.share * 100).toFixed(1).padStart(5)} %`,
    )
    .join("\n");
}
