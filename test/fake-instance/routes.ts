import {
  account,
  adminAccounts,
  homeTimeline,
  postStatus,
  publicTimeline,
  statusById,
  userinfo,
  verifyCredentials,
} from "./api.ts";
import { createApp, verifyApp } from "./apps.ts";
import { authorize, decide, signIn } from "./authorize.ts";
import { hostMeta, metadata, nodeinfo, nodeinfoLinks, webfinger } from "./discovery.ts";
import { type Flavour, hasMetadata, lacksV2Instance } from "./flavour.ts";
import { friendicaRevoke, friendicaToken } from "./friendica.ts";
import { type Ctx, notFound, send } from "./http.ts";
import { instanceV1, instanceV2 } from "./instance.ts";
import { uploadMedia } from "./media.ts";
import { snacRevoke, snacToken } from "./snac.ts";
import { streamSse } from "./streaming.ts";
import { revoke, token } from "./token.ts";

type Handler = (ctx: Ctx, ...params: string[]) => void | Promise<void>;

// A 1×1 transparent PNG for avatars and previews, so the demo renders.
const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=",
  "base64",
);
const png: Handler = (ctx) => {
  ctx.res.writeHead(200, { "content-type": "image/png", "cache-control": "max-age=3600" });
  ctx.res.end(PNG);
};

const onlyMastodon =
  (handler: Handler): Handler =>
  (ctx, ...params) =>
    ctx.site.flavour === "mastodon" ? handler(ctx, ...params) : notFound(ctx);
const withMetadata =
  (handler: Handler): Handler =>
  (ctx, ...params) =>
    hasMetadata(ctx.site.flavour) ? handler(ctx, ...params) : notFound(ctx);
const notOnGts =
  (handler: Handler): Handler =>
  (ctx, ...params) =>
    ctx.site.flavour === "gts" || lacksV2Instance(ctx.site.flavour) ? notFound(ctx) : handler(ctx, ...params);
const withV2Instance =
  (handler: Handler): Handler =>
  (ctx, ...params) =>
    lacksV2Instance(ctx.site.flavour) ? notFound(ctx) : handler(ctx, ...params);

/** Servers whose token and revoke endpoints follow their own rules (snac.ts, friendica.ts). */
const TOKEN: Partial<Record<Flavour, Handler>> = { snac: snacToken, friendica: friendicaToken };
const REVOKE: Partial<Record<Flavour, Handler>> = { snac: snacRevoke, friendica: friendicaRevoke };

/** [method, path pattern, handler]; `:id` segments are passed to the handler in order. */
const ROUTES: ReadonlyArray<readonly [string, string, Handler]> = [
  ["GET", "/.well-known/oauth-authorization-server", withMetadata(metadata)],
  ["GET", "/.well-known/nodeinfo", nodeinfoLinks],
  ["GET", "/nodeinfo/2.0", nodeinfo],
  ["GET", "/.well-known/webfinger", webfinger],
  ["GET", "/.well-known/host-meta", hostMeta],
  ["POST", "/api/v1/apps", createApp],
  ["GET", "/api/v1/apps/verify_credentials", notOnGts(verifyApp)],
  ["GET", "/oauth/authorize", authorize],
  ["POST", "/oauth/authorize", decide],
  ["POST", "/auth/sign_in", signIn],
  ["POST", "/oauth/token", (ctx) => (TOKEN[ctx.site.flavour] ?? token)(ctx)],
  ["POST", "/oauth/revoke", (ctx) => (REVOKE[ctx.site.flavour] ?? revoke)(ctx)],
  ["GET", "/oauth/userinfo", onlyMastodon(userinfo)],
  ["GET", "/api/v1/accounts/verify_credentials", verifyCredentials],
  ["GET", "/api/v1/admin/accounts", onlyMastodon(adminAccounts)],
  ["GET", "/api/v1/accounts/lookup", (ctx) => account(ctx)],
  ["GET", "/api/v1/accounts/:id", (ctx, id) => account(ctx, id)],
  ["GET", "/api/v2/instance", withV2Instance(instanceV2)],
  ["GET", "/api/v1/instance", instanceV1],
  ["GET", "/api/v1/timelines/home", homeTimeline],
  ["GET", "/api/v1/timelines/public", (ctx) => publicTimeline(ctx)],
  ["GET", "/api/v1/trends/statuses", (ctx) => publicTimeline(ctx, true)],
  ["POST", "/api/v1/statuses", postStatus],
  ["GET", "/api/v1/statuses/:id", (ctx, id = "") => statusById(ctx, id)],
  ["DELETE", "/api/v1/statuses/:id", (ctx, id = "") => statusById(ctx, id)],
  ["POST", "/api/v1/statuses/:id/favourite", (ctx, id = "") => statusById(ctx, id, "favourite")],
  ["POST", "/api/v2/media", uploadMedia],
  ["GET", "/api/v1/streaming/health", (ctx) => send(ctx, 200, "OK", { "content-type": "text/plain" })],
  ["GET", "/api/v1/streaming/user", streamSse],
  ["GET", "/api/v1/streaming/public", streamSse],
  ["GET", "/system/*", png],
  ["GET", "/headers/*", png],
];

// Misskey has no Mastodon API; only discovery documents answer.
const MISSKEY_PATHS = new Set([
  "/.well-known/nodeinfo",
  "/nodeinfo/2.0",
  "/.well-known/webfinger",
  "/.well-known/host-meta",
]);

function match(pattern: string, path: string): string[] | undefined {
  if (pattern.endsWith("*")) return path.startsWith(pattern.slice(0, -1)) ? [] : undefined;
  const want = pattern.split("/");
  const got = path.split("/");
  if (want.length !== got.length) return undefined;
  const params: string[] = [];
  for (const [i, part] of want.entries()) {
    const actual = got[i] ?? "";
    if (part.startsWith(":")) {
      if (!actual) return undefined;
      params.push(decodeURIComponent(actual));
    } else if (part !== actual) return undefined;
  }
  return params;
}

/** Runs the handler for a request on a fake origin, or answers 404 like the server would. */
export async function dispatch(ctx: Ctx): Promise<void> {
  if (ctx.site.flavour === "misskey" && !MISSKEY_PATHS.has(ctx.path)) {
    ctx.req.resume();
    return send(ctx, 404, "", {});
  }
  for (const [method, pattern, handler] of ROUTES) {
    if (method !== ctx.method) continue;
    const params = match(pattern, ctx.path);
    if (params) return handler(ctx, ...params);
  }
  ctx.req.resume();
  notFound(ctx);
}
