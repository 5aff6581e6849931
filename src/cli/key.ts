/**
 * `fedi-bff key`: a fresh session key (256 bits, base64url: what SESSION_KEYS takes), written into
 * `.dev.vars` for `wrangler dev`, or printed alone for a secret store
 * (`npx fedi-bff key --print | npx wrangler secret put SESSION_KEYS`).
 */
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** A new random key. */
export function newSessionKey(): string {
  return randomBytes(32).toString("base64url");
}

/**
 * Adds what `wrangler dev` needs to `.dev.vars` in `dir` — `ENVIRONMENT=development` and a session
 * key — keeping every line already there. Returns the names it added (none: the file had both).
 */
export function writeDevVars(dir: string): string[] {
  const file = join(dir, ".dev.vars");
  const current = existsSync(file) ? readFileSync(file, "utf8") : "";
  const added: string[] = [];
  let next = current === "" || current.endsWith("\n") ? current : `${current}\n`;
  if (!/^ENVIRONMENT\s*=/m.test(current)) {
    next += "ENVIRONMENT=development\n";
    added.push("ENVIRONMENT");
  }
  if (!/^SESSION_KEYS\s*=\s*\S/m.test(current)) {
    next += `SESSION_KEYS=${newSessionKey()}\n`;
    added.push("SESSION_KEYS");
  }
  if (added.length > 0) {
    writeFileSync(file, next, { mode: 0o600 });
    chmodSync(file, 0o600);
  }
  return added;
}
