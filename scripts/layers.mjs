#!/usr/bin/env node
// Prints how src/ folders import each other (type-only imports included) and checks that every
// arrow runs down the layer order below: `node scripts/layers.mjs` (exit 1 on an upward arrow).
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";

/** Bottom first: a folder may import only folders listed before it (and itself). */
const LAYERS = [
  "paths.ts",
  "error-codes.ts",
  // The browser client (published as fedi-bff/client): below the server, so it imports nothing of it.
  "client",
  "log.ts",
  "events.ts",
  "errors.ts",
  "crypto",
  "http",
  "oauth",
  "instance",
  "config",
  "registry",
  "session",
  "middleware",
  "proxy",
  "app",
  "public",
  "admin",
  "auth",
  "fedi-bff.ts",
  "lib.ts",
  "index.ts",
];
const SRC = "src";

function files(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : path.endsWith(".ts") ? [path] : [];
  });
}

const roomOf = (path) => relative(SRC, path).split("/")[0];
const edges = new Map();
for (const file of files(SRC)) {
  const text = readFileSync(file, "utf8");
  for (const [, spec] of text.matchAll(/(?:from|import)\s*\(?\s*["'](\.{1,2}\/[^"']+)["']/g)) {
    const from = roomOf(file);
    const to = roomOf(normalize(join(dirname(file), spec)));
    if (from === to) continue;
    const key = `${from} → ${to}`;
    edges.set(key, (edges.get(key) ?? 0) + 1);
  }
}
const rank = (room) => LAYERS.indexOf(room);
let upward = 0;
for (const [key, count] of [...edges].sort()) {
  const [from, to] = key.split(" → ");
  const ok = rank(to) >= 0 && rank(from) >= 0 && rank(to) < rank(from);
  if (!ok) upward++;
  console.log(`${ok ? "  " : "UP"} ${key} (${count})`);
}
console.log(upward === 0 ? "\nEvery arrow runs down." : `\n${upward} arrow(s) run up or sideways.`);
process.exit(upward === 0 ? 0 : 1);
