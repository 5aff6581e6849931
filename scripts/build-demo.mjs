#!/usr/bin/env node
// Builds the demo frontend into demo/dist/ (gitignored), the folder wrangler.toml's [assets]
// serves: demo/public/ as it is (index.html, style.css, _headers), and demo/src/main.ts with the
// browser client bundled into demo.js. wrangler runs it before `wrangler dev` and `wrangler deploy`
// ([build] in wrangler.toml), so a fresh clone never meets a missing folder.
//
// Several wranglers may run it at once (the benchmark builds three bundles in parallel): every file
// is written under a temporary name and renamed into place, so none is ever seen half written.
import { copyFileSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = fileURLToPath(new URL("../demo/", import.meta.url));
const out = join(root, "dist");
const tmp = (name) => join(out, `.${name}.${process.pid}.tmp`);

mkdirSync(out, { recursive: true });
const { outputFiles } = await build({
  entryPoints: [join(root, "src/main.ts")],
  bundle: true,
  format: "iife",
  platform: "browser",
  target: "es2022",
  // Readable on purpose: the demo is the reference integration, meant to be read in the browser too.
  minify: false,
  legalComments: "none",
  write: false,
  logLevel: "warning",
});
const script = outputFiles?.[0];
if (script === undefined) throw new Error("esbuild wrote no demo script");
const written = new Set(["demo.js"]);
writeFileSync(tmp("demo.js"), script.contents);
renameSync(tmp("demo.js"), join(out, "demo.js"));
for (const name of readdirSync(join(root, "public"))) {
  copyFileSync(join(root, "public", name), tmp(name));
  renameSync(tmp(name), join(out, name));
  written.add(name);
}
// What an earlier build left that this one no longer makes (not another build's temporary files).
for (const name of readdirSync(out)) {
  if (!written.has(name) && !name.endsWith(".tmp")) rmSync(join(out, name), { recursive: true, force: true });
}
console.log(`fedi-bff demo: built ${[...written].sort().join(", ")} into demo/dist/`);
