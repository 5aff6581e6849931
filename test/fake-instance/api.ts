import { authenticate, publicAccess } from "./auth.ts";
import { type Ctx, notFound, readBody, sendJson, str } from "./http.ts";
import { accountJson, statusId, statusJson, USERS } from "./seed.ts";
import type { StoredStatus } from "./state.ts";

/** GET /api/v1/accounts/verify_credentials */
export function verifyCredentials(ctx: Ctx) {
  const token = authenticate(ctx, "read:accounts");
  if (token?.user) sendJson(ctx, 200, accountJson(ctx.site, token.user, true));
}

/**
 * GET /api/v1/admin/accounts: Mastodon's admin API. A live token without the admin scope gets 403
 * (Doorkeeper's scope check), and so does a user who is no admin (Pundit): none of the seeded are.
 */
export function adminAccounts(ctx: Ctx) {
  if (authenticate(ctx, "admin:read:accounts")) sendJson(ctx, 403, { error: "This action is not allowed" });
}

/** GET /oauth/userinfo (Mastodon 4.4, needs the profile scope). */
export function userinfo(ctx: Ctx) {
  const token = authenticate(ctx, "profile");
  if (!token?.user) return;
  const account = accountJson(ctx.site, token.user);
  sendJson(ctx, 200, {
    iss: `${ctx.site.origin}/`,
    sub: account.uri,
    name: account.display_name,
    preferred_username: account.username,
    profile: account.url,
    picture: account.avatar,
  });
}

/** GET /api/v1/accounts/lookup?acct= and GET /api/v1/accounts/:id */
export function account(ctx: Ctx, id?: string) {
  if (!publicAccess(ctx).ok) return;
  const acct = (ctx.url.searchParams.get("acct") ?? "").replace(/^@/, "");
  const [name, domain] = acct.split("@");
  const user = USERS.find((u) =>
    id ? u.id === id : u.username === name && (!domain || domain === ctx.site.host),
  );
  if (!user) return notFound(ctx);
  sendJson(ctx, 200, accountJson(ctx.site, user.username));
}

const cmp = (a: string, b: string): number => (BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0);
const isId = (s: string | null): s is string => s !== null && /^\d{1,20}$/.test(s);

/** Mastodon's max_id / since_id / min_id / limit paging over a newest-first list. */
function page(ctx: Ctx, list: StoredStatus[]): StoredStatus[] {
  const q = ctx.url.searchParams;
  const limit = Math.min(Math.max(Number.parseInt(q.get("limit") ?? "20", 10) || 20, 1), 40);
  const maxId = q.get("max_id");
  const sinceId = q.get("since_id");
  const minId = q.get("min_id");
  let items = list.filter(
    (s) => (!isId(maxId) || cmp(s.id, maxId) < 0) && (!isId(sinceId) || cmp(s.id, sinceId) > 0),
  );
  if (isId(minId)) {
    // min_id: the statuses immediately newer than min_id, still returned newest first.
    items = items.filter((s) => cmp(s.id, minId) > 0);
    return items.slice(Math.max(0, items.length - limit));
  }
  return items.slice(0, limit);
}

function sendPage(ctx: Ctx, items: StoredStatus[], viewer?: string) {
  const headers: Record<string, string> = {};
  const first = items[0];
  const last = items[items.length - 1];
  if (first && last) {
    const base = `${ctx.site.origin}${ctx.path}`;
    const limit = ctx.url.searchParams.get("limit");
    const extra = limit ? `limit=${encodeURIComponent(limit)}&` : "";
    headers.link = `<${base}?${extra}max_id=${last.id}>; rel="next", <${base}?${extra}min_id=${first.id}>; rel="prev"`;
  }
  sendJson(
    ctx,
    200,
    items.map((s) => statusJson(ctx.site, s, viewer)),
    headers,
  );
}

/** GET /api/v1/timelines/home */
export function homeTimeline(ctx: Ctx) {
  const token = authenticate(ctx, "read:statuses");
  if (token) sendPage(ctx, page(ctx, ctx.site.statuses), token.user);
}

/** GET /api/v1/timelines/public and /api/v1/trends/statuses */
export function publicTimeline(ctx: Ctx, trends = false) {
  const access = publicAccess(ctx);
  if (!access.ok) return;
  const list = ctx.site.statuses.filter((s) => s.visibility === "public");
  if (trends)
    return sendJson(
      ctx,
      200,
      list.slice(0, 10).map((s) => statusJson(ctx.site, s, access.viewer)),
    );
  sendPage(ctx, page(ctx, list), access.viewer);
}

/** POST /api/v1/statuses (honours Idempotency-Key per user). */
export async function postStatus(ctx: Ctx) {
  const token = authenticate(ctx, "write:statuses");
  if (!token?.user) return;
  const body = await readBody(ctx.req);
  const text = body === "invalid" ? undefined : str(body, "status");
  if (!text?.trim()) return sendJson(ctx, 422, { error: "Validation failed: Text can't be blank" });
  const site = ctx.site;
  const key = ctx.req.headers["idempotency-key"];
  const idemKey = typeof key === "string" ? `${token.user}:${key}` : undefined;
  const existing = idemKey ? site.statuses.find((s) => s.id === site.idempotency.get(idemKey)) : undefined;
  if (existing) return sendJson(ctx, 200, statusJson(site, existing, token.user));
  const visibility = body !== "invalid" ? (str(body, "visibility") ?? "public") : "public";
  const status: StoredStatus = {
    id: statusId(site.nextStatus++),
    user: token.user,
    text,
    createdAt: new Date().toISOString(),
    visibility,
    favouritedBy: new Set(),
  };
  site.statuses.unshift(status);
  if (idemKey) site.idempotency.set(idemKey, status.id);
  sendJson(ctx, 200, statusJson(site, status, token.user));
}

/** GET / DELETE /api/v1/statuses/:id and POST /api/v1/statuses/:id/favourite */
export function statusById(ctx: Ctx, id: string, action?: "favourite") {
  const site = ctx.site;
  const status = site.statuses.find((s) => s.id === id);
  if (ctx.method === "GET") {
    const access = publicAccess(ctx);
    if (!access.ok) return;
    return status ? sendJson(ctx, 200, statusJson(site, status, access.viewer)) : notFound(ctx);
  }
  const token = authenticate(ctx, action ? "write:favourites" : "write:statuses");
  if (!token?.user) return;
  if (!status) return notFound(ctx);
  if (action) {
    status.favouritedBy.add(token.user);
    return sendJson(ctx, 200, statusJson(site, status, token.user));
  }
  if (status.user !== token.user) return notFound(ctx);
  site.statuses = site.statuses.filter((s) => s !== status);
  sendJson(ctx, 200, { ...statusJson(site, status, token.user), text: status.text });
}
