#!/usr/bin/env node
// `npm run dev [-- wrangler args]`: runs the Worker locally on http://127.0.0.1:8787 with local KV,
// Durable Objects and rate limiting (persisted under .wrangler/), ENVIRONMENT=development, and a
// session key generated into .dev.vars (gitignored) on first run. No Cloudflare account needed.
// The demo frontend is served beside it on the same origin ([assets] in wrangler.toml; wrangler
// builds it first, and again when demo/ or src/ change).
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";

const args = process.argv.slice(2);
const devVars = ".dev.vars";

function ensureSessionKey() {
  const current = existsSync(devVars) ? readFileSync(devVars, "utf8") : "";
  if (/^SESSION_KEYS=\S+/m.test(current)) return;
  const key = randomBytes(32).toString("base64url");
  const next = `${current}${current && !current.endsWith("\n") ? "\n" : ""}SESSION_KEYS=${key}\n`;
  writeFileSync(devVars, next, { mode: 0o600 });
  console.log(`fedi-bff: generated a development session key into ${devVars} (gitignored).`);
}

function hasFlag(name) {
  return args.some((a) => a === name || a.startsWith(`${name}=`));
}

ensureSessionKey();
const defaults = [];
if (!hasFlag("--port")) defaults.push("--port", "8787");
if (!hasFlag("--ip")) defaults.push("--ip", "127.0.0.1");
const wrangler = new URL("../node_modules/wrangler/bin/wrangler.js", import.meta.url).pathname;
const child = spawn(
  process.execPath,
  [wrangler, "dev", ...defaults, "--var", "ENVIRONMENT:development", ...args],
  { stdio: "inherit", env: { WRANGLER_SEND_METRICS: "false", ...process.env } },
);
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
child.on("exit", (code) => process.exit(code ?? 0));
