#!/usr/bin/env node
// Every repository path the docs name must exist: `src/…`, `test/…`, `selfhost/…`, `scripts/…`,
// `bench/…` paths in README.md, docs/*.md and test/corpus/* (globs and `<placeholders>` skipped).
// `node scripts/doc-paths.mjs` lists the stale ones and exits 1; `npm run lint` runs it.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const SOURCES = [
  "README.md",
  ...readdirSync("docs")
    .filter((name) => name.endsWith(".md"))
    .map((name) => join("docs", name)),
  ...readdirSync("test/corpus").map((name) => join("test/corpus", name)),
];
/** Build outputs, named by the docs but made by a command. */
const BUILT = ["demo/dist"];
const PATH = /(?<![\w./-])((?:src|test|selfhost|scripts|bench|examples|demo)\/[\w./@-]*[\w/])/g;

const stale = [];
let checked = 0;
for (const source of SOURCES.filter(existsSync)) {
  const lines = readFileSync(source, "utf8").split("\n");
  lines.forEach((line, i) => {
    for (const [, path] of line.matchAll(PATH)) {
      if (/[*<>{}]/.test(path) || path.includes("...") || BUILT.some((b) => path.startsWith(b))) continue;
      checked++;
      if (!existsSync(path.replace(/[.]+$/, ""))) stale.push(`${source}:${i + 1}: ${path}`);
    }
  });
}
if (stale.length > 0) {
  console.error(`${stale.length} path(s) named in the docs do not exist:\n${stale.join("\n")}`);
  process.exit(1);
}
console.log(`doc paths: ${checked} checked, all present.`);
