#!/usr/bin/env node
// `npm run demo`: a local fake Mastodon instance on http://127.0.0.1:3999 (seeded users, real
// sign-in and consent pages) and, on http://127.0.0.1:8787, fedi-bff with the static demo frontend
// beside it on the same origin (wrangler.toml [assets]), allowed to reach that one instance over
// plain http. Works offline. Ctrl-C stops both.
// The TypeScript helpers run through Node's type stripping (Node ≥ 22.18; `npm run` puts the
// project's Node 22 first on PATH).

import { fileURLToPath } from "node:url";

const FAKE_PORT = 3999;
const FAKE_STATE_FILE = fileURLToPath(new URL("../.wrangler/demo-instance.json", import.meta.url));
const BFF_PORT = 8787;

const [major, minor] = process.versions.node.split(".").map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  console.error(`npm run demo needs Node 22.18+ (type stripping); this is ${process.version}.`);
  process.exit(1);
}

const { startStack } = await import("../test/e2e/stack.ts");

let stack;
try {
  stack = await startStack({
    fakePort: FAKE_PORT,
    bffPort: BFF_PORT,
    inspectorPort: 0,
    output: "inherit",
    // fedi-bff keeps its registrations in .wrangler/state; the instance keeps its apps beside them,
    // as a real server keeps them in its database across restarts.
    fakeStateFile: FAKE_STATE_FILE,
  });
} catch (error) {
  console.error(String(error));
  if (String(error).includes("EADDRINUSE")) {
    console.error(`Port ${FAKE_PORT} or ${BFF_PORT} is taken: is a demo or \`npm run dev\` already running?`);
  }
  process.exit(1);
}

console.log(`
  fedi-bff demo is ready.

    Open       ${stack.bffUrl}/
    Instance   ${stack.fakeHost}
    Users      alice / password    bob / password

  Ctrl-C stops fedi-bff and the fake instance.
`);

let stopping = false;
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, async () => {
    if (stopping) return;
    stopping = true;
    await stack.stop();
    process.exit(0);
  });
}
