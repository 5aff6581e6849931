/**
 * The daily jobs with which real servers forget app registrations on their own, run on demand by
 * the control API against the site's movable clock.
 */
import type { Site } from "./state.ts";
import { siteNow } from "./state.ts";

const DAY = 86_400;
/** Doorkeeper's default lifetime of an authorization code (Mastodon). */
const GRANT_LIFETIME = 600;

/**
 * Mastodon's vacuum (app/workers/scheduler/vacuum_scheduler.rb, app/lib/vacuum/
 * access_tokens_vacuum.rb): revoked tokens and revoked or expired grants. Only Mastodon
 * 4.2.0–4.2.8 also ran applications_vacuum.rb (`applications`): every app older than a day with
 * no access tokens, no access grants and no users created through it. PR #30316 (merged 2024-05,
 * backported to 4.2.9) removed it; later versions never delete an app on their own.
 */
export function mastodonVacuum(site: Site, applications: boolean): { deletedApps: number } {
  const now = siteNow(site);
  for (const [raw, token] of site.tokens) if (token.revoked) site.tokens.delete(raw);
  for (const [raw, code] of site.codes) if (code.createdAt + GRANT_LIFETIME < now) site.codes.delete(raw);
  if (!applications) return { deletedApps: 0 };
  const used = new Set([...site.tokens.values(), ...site.codes.values()].map((t) => t.clientId));
  let deletedApps = 0;
  for (const [id, app] of site.apps) {
    if (app.createdAt < now - DAY && !used.has(id)) {
      site.apps.delete(id);
      deletedApps++;
    }
  }
  return { deletedApps };
}

/** snac's daily purge: apps nobody signed in through, once they are over an hour old. */
export function snacPurge(site: Site): { deletedApps: number } {
  const now = siteNow(site);
  let deletedApps = 0;
  for (const [id, app] of site.apps) {
    if (app.lastUser === undefined && app.createdAt < now - 3600) {
      site.apps.delete(id);
      deletedApps++;
    }
  }
  return { deletedApps };
}
