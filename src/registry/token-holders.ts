/**
 * Which sessions of this fedi-bff hold one token of this host, kept by the host's Registrar.
 * Servers share tokens between logins: Mastodon hands the same user the same live token again
 * for the same app and scopes (Doorkeeper's `reuse_access_token`, config/initializers/
 * doorkeeper.rb), so a laptop and a phone hold one token, and revoking it for one signs out the
 * other. A logout therefore revokes a token only when no other session still holds it.
 *
 * A token is stored only as a keyed hash (src/registry/holding.ts); each holding is a random id
 * that the session cookie carries, with the time its session ends at the latest. Records are
 * bounded: at most MAX_HOLDERS per token, and expired ones are swept a few at a time.
 */
import { nowSeconds } from "../clock.ts";
import type { RegistrarScope } from "./scope.ts";
import { DO_HOLDERS_PREFIX, doHoldersKey, doHoldersSweepKey } from "./storage-keys.ts";

/** holder id → the time (s) its session ends at the latest. */
type Holders = Record<string, number>;

/** Holdings kept per token; past it the one ending first is forgotten (its logout then revokes nothing). */
export const MAX_HOLDERS = 32;

/** Records looked at per sweep for holdings whose sessions have ended. */
const SWEEP_BATCH = 64;

/** Records that `holder` holds the token with this hash until `until`. */
export async function addHolder(scope: RegistrarScope, hash: string, holder: string, until: number) {
  const now = nowSeconds();
  const storage = scope.state.storage;
  const live = liveHolders((await storage.get<Holders>(doHoldersKey(hash))) ?? {}, now);
  live[holder] = until;
  const kept = Object.entries(live)
    .sort(([, a], [, b]) => b - a)
    .slice(0, MAX_HOLDERS);
  await storage.put(doHoldersKey(hash), Object.fromEntries(kept));
  await sweep(scope, now);
}

/**
 * Removes `holder` (undefined: a session from before holdings were kept) and tells whether the
 * token is now held by nobody — then, and only then, it may be revoked.
 */
export async function removeHolder(scope: RegistrarScope, hash: string, holder: string | undefined) {
  const storage = scope.state.storage;
  const live = liveHolders((await storage.get<Holders>(doHoldersKey(hash))) ?? {}, nowSeconds());
  if (holder !== undefined) delete live[holder];
  if (Object.keys(live).length > 0) {
    await storage.put(doHoldersKey(hash), live);
    return false;
  }
  await storage.delete(doHoldersKey(hash));
  return true;
}

function liveHolders(holders: Holders, now: number): Holders {
  return Object.fromEntries(Object.entries(holders).filter(([, until]) => until > now));
}

/** Deletes the records of a few tokens whose holdings all ended, resuming where the last sweep stopped. */
async function sweep(scope: RegistrarScope, now: number): Promise<void> {
  const storage = scope.state.storage;
  const cursor = await storage.get<string>(doHoldersSweepKey());
  const records = await storage.list<Holders>({
    prefix: DO_HOLDERS_PREFIX,
    limit: SWEEP_BATCH,
    ...(cursor === undefined ? {} : { startAfter: cursor }),
  });
  const ended = [...records].filter(([, h]) => Object.keys(liveHolders(h, now)).length === 0);
  if (ended.length > 0) await storage.delete(ended.map(([key]) => key));
  const last = [...records.keys()].at(-1);
  if (records.size < SWEEP_BATCH || last === undefined) await storage.delete(doHoldersSweepKey());
  else await storage.put(doHoldersSweepKey(), last);
}
