/**
 * `fedi-bff init`: writes the starter (examples/starter in fedi-bff's repository, shipped in the
 * package as dist/cli/starter) into a project folder — wrangler.toml, the Worker, a minimal
 * frontend, tsconfig.json, .gitignore — adds the dev/check/deploy scripts to package.json and
 * makes .dev.vars. It never overwrites a file.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { writeDevVars } from "./key.ts";

/** The starter's name in its files, replaced by the project's. */
const STARTER_NAME = "my-fedi-app";
/** Not copied: the starter's own README and package.json (the project has its own). */
const SKIPPED = new Set([
  "README.md",
  "package.json",
  "node_modules",
  ".wrangler",
  ".dev.vars",
  "package-lock.json",
]);
const SCRIPTS = { dev: "wrangler dev", check: "fedi-bff check", deploy: "fedi-bff check && wrangler deploy" };

/** The starter folder: beside this module in the package, in examples/ in the repository. */
function starterDir(): string {
  const packaged = fileURLToPath(new URL("./starter/", import.meta.url));
  return existsSync(packaged) ? packaged : fileURLToPath(new URL("../../examples/starter/", import.meta.url));
}

export interface InitReport {
  readonly written: string[];
  readonly kept: string[];
  readonly scripts: string[];
  readonly devVars: string[];
}

export function init(dir: string): InitReport {
  const report: InitReport = { written: [], kept: [], scripts: [], devVars: [] };
  const name = projectName(dir);
  const source = starterDir();
  for (const file of files(source)) {
    // npm leaves every .gitignore out of a package: the starter ships it as `gitignore`.
    const target = join(dir, file === "gitignore" ? ".gitignore" : file);
    const shown = relative(dir, target);
    if (existsSync(target)) {
      report.kept.push(shown);
      continue;
    }
    mkdirSync(dirname(target), { recursive: true });
    if (file === "wrangler.toml") {
      writeFileSync(target, readFileSync(join(source, file), "utf8").replaceAll(STARTER_NAME, name));
    } else copyFileSync(join(source, file), target);
    report.written.push(shown);
  }
  report.scripts.push(...addScripts(dir, name));
  report.devVars.push(...writeDevVars(dir));
  return report;
}

function files(root: string, prefix = ""): string[] {
  return readdirSync(join(root, prefix), { withFileTypes: true }).flatMap((entry) => {
    const path = prefix === "" ? entry.name : `${prefix}/${entry.name}`;
    if (SKIPPED.has(entry.name)) return [];
    return entry.isDirectory() ? files(root, path) : [path];
  });
}

/** A Worker name from package.json's name (or the folder's): lower case, digits and dashes. */
function projectName(dir: string): string {
  const pkg = join(dir, "package.json");
  const raw = existsSync(pkg)
    ? (JSON.parse(readFileSync(pkg, "utf8")) as { name?: unknown }).name
    : undefined;
  const base = typeof raw === "string" ? raw.replace(/^@[^/]+\//, "") : basename(dir);
  const name = base
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 63);
  return name === "" ? STARTER_NAME : name;
}

/** Adds the scripts package.json lacks (creating it when there is none); returns their names. */
function addScripts(dir: string, name: string): string[] {
  const file = join(dir, "package.json");
  const pkg = existsSync(file)
    ? (JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>)
    : { name, private: true, type: "module" };
  const scripts = { ...((pkg.scripts as Record<string, string> | undefined) ?? {}) };
  const added = Object.entries(SCRIPTS)
    .filter(([script]) => scripts[script] === undefined)
    .map(([script, command]) => {
      scripts[script] = command;
      return script;
    });
  if (added.length > 0) writeFileSync(file, `${JSON.stringify({ ...pkg, scripts }, null, 2)}\n`);
  return added;
}
