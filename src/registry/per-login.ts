/**
 * The budget of servers with one app per login (src/registry/keeping.ts: snac, Friendica): every
 * login start would register an app, so starts are counted per client, and no client can spend
 * the instance's budget for everyone else:
 *
 * - each client (its address, as the login rate limit sees it, stored as a keyed hash) holds at
 *   most PER_LOGIN_SHARE.pending unfinished logins: a further start gives up its oldest one;
 * - a client whose given-up or expired starts reach PER_LOGIN_SHARE.abandoned within the window
 *   is refused (429 `registration_rate_limited`) — that client only;
 * - unfinished logins of all clients together are capped (PER_LOGIN_LIMIT.pending): reaching it
 *   takes PER_LOGIN_LIMIT.pending / PER_LOGIN_SHARE.pending addresses, and it lasts only until
 *   those logins expire;
 * - a login that signs in leaves the budget at once. On servers that can hand an app to another
 *   login (Friendica: its token endpoint checks the code), an app whose login can no longer finish
 *   or whose session logged out is reused by the next login instead of registering another, so
 *   the instance keeps no more apps than logins and sessions run at once. snac cannot (any code
 *   gets the token of the app's last user) and purges unused apps itself after an hour.
 */

import { base64url } from "jose";
import { nowSeconds } from "../clock.ts";
import type { RegistrarResult } from "../config/registrar-rpc.ts";
import { extendClient, readClient } from "./clients.ts";
import { PENDING_TTL, PER_LOGIN_LIMIT, PER_LOGIN_SHARE } from "./keeping.ts";
import { configOf, keyRingOf, type RegistrarScope } from "./scope.ts";
import { DO_PER_LOGIN_PREFIX, doPerLoginKey } from "./storage-keys.ts";

/**
 * One per-login app: `pending` (its login may still finish, until `at` + PENDING_TTL), `given-up`
 * (its client started again), `held` (signed in: a session holds its token), `free` (its session
 * logged out). `reusable`: another login may take the app over (Friendica).
 */
interface PerLoginApp {
  readonly client: string;
  readonly at: number;
  readonly state: "pending" | "given-up" | "held" | "free";
  readonly reusable: boolean;
}

type Entry = readonly [clientId: string, app: PerLoginApp];

/** What a per-login start may do: register, take over an app (sealed), or nothing (refused). */
export type PerLoginStart =
  | { readonly kind: "register" }
  | { readonly kind: "reuse"; readonly sealed: string }
  | { readonly kind: "refused"; readonly result: RegistrarResult };

/** Decides a login start of `client` (an address key, or "" when none is known). */
export async function startPerLogin(
  scope: RegistrarScope,
  client: string,
  reusable: boolean,
): Promise<PerLoginStart> {
  const now = nowSeconds();
  const tag = await clientTag(scope, client);
  const apps = await livePerLoginApps(scope, now);
  const mine = apps.filter(([, a]) => a.client === tag);
  const window = now - PER_LOGIN_LIMIT.windowSeconds;
  const abandoned = mine.filter(([, a]) => isAbandoned(a, now) && a.at > window).map(([, a]) => a.at);
  if (abandoned.length >= PER_LOGIN_SHARE.abandoned) {
    return refused(Math.min(...abandoned) + PER_LOGIN_LIMIT.windowSeconds - now, "from this address");
  }
  // This client's oldest unfinished logins give way to the new one (they may still finish).
  const pending = mine.filter(([, a]) => isPending(a, now)).sort(([, a], [, b]) => a.at - b.at);
  const excess = Math.max(0, pending.length - PER_LOGIN_SHARE.pending + 1);
  for (const [clientId, app] of pending.slice(0, excess))
    await put(scope, clientId, { ...app, state: "given-up" });
  const everyone = apps.filter(([, a]) => isPending(a, now)).map(([, a]) => a.at);
  if (everyone.length - excess >= PER_LOGIN_LIMIT.pending) {
    return refused(Math.min(...everyone) + PENDING_TTL - now, "just now");
  }
  const reused = reusable ? await takeOver(scope, apps, tag, now) : null;
  return reused === null ? { kind: "register" } : { kind: "reuse", sealed: reused };
}

/** Counts a newly registered per-login app as the unfinished login of `client` (an address key). */
export async function recordPerLogin(
  scope: RegistrarScope,
  clientId: string,
  client: string,
  reusable: boolean,
) {
  const tag = await clientTag(scope, client);
  await put(scope, clientId, { client: tag, at: nowSeconds(), state: "pending", reusable });
}

/** A session signed in with this app: it leaves the budget (nothing happens for a shared app). */
export async function heldPerLogin(scope: RegistrarScope, clientId: string): Promise<void> {
  const app = await scope.state.storage.get<PerLoginApp>(doPerLoginKey(clientId));
  if (app !== undefined) await put(scope, clientId, { ...app, at: nowSeconds(), state: "held" });
}

/**
 * The last session of this app logged out (its revoke follows). A reusable app becomes free for the
 * next login; any other is forgotten (snac's revoke deletes it).
 */
export async function releasedPerLogin(scope: RegistrarScope, clientId: string): Promise<void> {
  const app = await scope.state.storage.get<PerLoginApp>(doPerLoginKey(clientId));
  if (app === undefined) return;
  if (!app.reusable) return void (await scope.state.storage.delete(doPerLoginKey(clientId)));
  await put(scope, clientId, { ...app, at: nowSeconds(), state: "free" });
  await extendClient(scope, clientId, nowSeconds() + configOf(scope).sessionTtl + PENDING_TTL);
}

const isPending = (a: PerLoginApp, now: number) => a.state === "pending" && a.at > now - PENDING_TTL;
const isAbandoned = (a: PerLoginApp, now: number) =>
  a.state === "given-up" || (a.state === "pending" && a.at <= now - PENDING_TTL);
/** No login can still finish with it (a given-up one may, until PENDING_TTL) and no session holds it. */
const isIdle = (a: PerLoginApp, now: number) =>
  a.state === "free" || (isAbandoned(a, now) && a.at <= now - PENDING_TTL);

/** Hands an idle reusable app to a new login of `tag`; null when there is none. */
async function takeOver(scope: RegistrarScope, apps: readonly Entry[], tag: string, now: number) {
  for (const [clientId, app] of apps) {
    if (!app.reusable || !isIdle(app, now)) continue;
    const sealed = await readClient(scope, clientId);
    if (sealed === null) {
      await scope.state.storage.delete(doPerLoginKey(clientId));
      continue;
    }
    await put(scope, clientId, { client: tag, at: now, state: "pending", reusable: true });
    await extendClient(scope, clientId, now + configOf(scope).sessionTtl + PENDING_TTL);
    return sealed;
  }
  return null;
}

/**
 * Every per-login app record, after deleting those nothing needs any more: a held one once its
 * session has surely ended, a reusable idle one after a session's lifetime in the pool, any other
 * once its start left the window.
 */
async function livePerLoginApps(scope: RegistrarScope, now: number): Promise<Entry[]> {
  const storage = scope.state.storage;
  const records = await storage.list<PerLoginApp>({ prefix: DO_PER_LOGIN_PREFIX, limit: 1000 });
  const sessionTtl = configOf(scope).sessionTtl;
  const live: Entry[] = [];
  const stale: string[] = [];
  for (const [key, app] of records) {
    if (app.at + lifetime(app, sessionTtl) > now) live.push([key.slice(DO_PER_LOGIN_PREFIX.length), app]);
    else stale.push(key);
  }
  if (stale.length > 0) await storage.delete(stale.slice(0, DELETE_BATCH));
  return live;
}

function lifetime(app: PerLoginApp, sessionTtl: number): number {
  if (app.state === "held") return sessionTtl + PENDING_TTL;
  return app.reusable ? sessionTtl : PER_LOGIN_LIMIT.windowSeconds;
}

/** Records deleted per storage call (the Durable Object storage limit per delete). */
const DELETE_BATCH = 128;

/** A short keyed hash of the client's address key: the registrar never stores the address. */
async function clientTag(scope: RegistrarScope, client: string): Promise<string> {
  const ring = await keyRingOf(scope);
  const key = await crypto.subtle.importKey(
    "raw",
    ring.current.secret,
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(`login-client\n${client}`));
  return base64url.encode(new Uint8Array(mac).slice(0, 12));
}

function put(scope: RegistrarScope, clientId: string, app: PerLoginApp): Promise<void> {
  return scope.state.storage.put(doPerLoginKey(clientId), app);
}

function refused(retryAfter: number, where: string): PerLoginStart {
  return {
    kind: "refused",
    result: {
      ok: false,
      code: "registration_rate_limited",
      description: `Too many unfinished logins to this instance ${where}; try again later.`,
      retryAfter: Math.max(1, retryAfter),
    },
  };
}
