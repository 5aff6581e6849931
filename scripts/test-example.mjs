#!/usr/bin/env node
// `npm run test:example`: packs fedi-bff as npm would publish it, installs the tarball (not a path)
// into examples/hono-app, then typechecks the example and runs its own tests inside workerd.
// Its tools (TypeScript, vitest, the Workers vitest plugin) come from the project's node_modules.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../", import.meta.url));
const example = join(root, "examples/hono-app");
const npm = process.platform === "win32" ? "npm.cmd" : "npm";
const run = (cmd, args, cwd) =>
  execFileSync(cmd, args, {
    cwd,
    env: { ...process.env, PWD: cwd },
    stdio: ["ignore", "pipe", "inherit"],
  }).toString();
const tool = (path, args) =>
  execFileSync(process.execPath, [join(root, "node_modules", path), ...args], {
    cwd: example,
    env: { ...process.env, PWD: example },
    stdio: "inherit",
  });

const packDir = mkdtempSync(join(tmpdir(), "fedi-bff-pack-"));
try {
  const [packed] = JSON.parse(run(npm, ["pack", "--json", "--silent", "--pack-destination", packDir], root));
  // The package holds what a user runs and reads: no tests, no bench, no sources, no tooling.
  const stray = packed.files
    .map((f) => f.path)
    .filter((p) => !/^(dist\/.*\.(js|d\.ts)|README\.md|package\.json)$/.test(p));
  if (stray.length > 0)
    throw new Error(`npm pack would ship files a user does not need: ${stray.join(", ")}`);
  const tarball = join(packDir, packed.filename);
  console.log(`packed ${packed.filename}: ${packed.files.length} files, ${packed.size} B`);
  rmSync(join(example, "node_modules"), { recursive: true, force: true });
  const install = ["install", "--no-save", "--no-package-lock", "--no-audit", "--no-fund", "--silent"];
  run(npm, [...install, tarball], example);
  tool("typescript/bin/tsc", ["-p", "."]);
  tool("vitest/vitest.mjs", ["run"]);
} finally {
  rmSync(packDir, { recursive: true, force: true });
}
