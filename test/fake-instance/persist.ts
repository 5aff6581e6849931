/**
 * Keeping the fake's apps and tokens in a file across restarts, as a real server keeps them in
 * its database (`npm run demo`). Without it, a restarted demo instance would forget every app
 * fedi-bff registered, which real servers do only when their database is lost.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { App, Site, Token } from "./types.ts";

interface Saved {
  readonly apps: App[];
  readonly tokens: Token[];
}

let file: string | undefined;
let saved: Record<string, Saved> = {};
const signatures = new Map<string, string>();

/** From now on, sites load their apps and tokens from `path` and save them there when they change. */
export function persistTo(path: string): void {
  file = path;
  mkdirSync(dirname(path), { recursive: true });
  try {
    const parsed: unknown = JSON.parse(readFileSync(path, "utf8"));
    saved = parsed && typeof parsed === "object" ? (parsed as Record<string, Saved>) : {};
  } catch {
    saved = {};
  }
}

/** Fills a new site with what was saved for its origin. */
export function restore(site: Site): void {
  const entry = saved[site.origin];
  if (file === undefined || entry === undefined) return;
  for (const app of entry.apps) site.apps.set(app.clientId, app);
  for (const token of entry.tokens) site.tokens.set(token.token, token);
  site.registrations = entry.apps.length;
  signatures.set(site.origin, signature(site));
}

/** Writes the file when the site's apps or tokens changed since the last write. */
export function saveIfChanged(site: Site): void {
  if (file === undefined) return;
  const now = signature(site);
  if (signatures.get(site.origin) === now) return;
  signatures.set(site.origin, now);
  saved[site.origin] = { apps: [...site.apps.values()], tokens: [...site.tokens.values()] };
  writeFileSync(file, JSON.stringify(saved), { mode: 0o600 });
}

const signature = (site: Site): string =>
  `${[...site.apps.keys()].join(",")}|${[...site.tokens.values()].map((t) => `${t.token}:${t.revoked}`).join(",")}`;
