#!/usr/bin/env node
// Part of `npm run build`: copies examples/starter into dist/cli/starter, where `fedi-bff init`
// finds it in the package. npm leaves every .gitignore out of a package: it travels as `gitignore`.
import { cpSync, renameSync } from "node:fs";
import { fileURLToPath } from "node:url";

const from = fileURLToPath(new URL("../examples/starter/", import.meta.url));
const to = fileURLToPath(new URL("../dist/cli/starter/", import.meta.url));
const skipped = /\/(node_modules|\.wrangler|\.dev\.vars|package-lock\.json)(\/|$)/;
cpSync(from, to, { recursive: true, filter: (path) => !skipped.test(path) });
renameSync(`${to}.gitignore`, `${to}gitignore`);
