import { SOFTWARE } from "./flavour.ts";
import { type Ctx, notFound, redirect, send, sendJson } from "./http.ts";
import { USERS } from "./seed.ts";

/** The RFC 8414 issuer: Mastodon names its root URL, with the trailing slash. */
export const issuerOf = (origin: string): string => `${origin}/`;

/** GET /.well-known/oauth-authorization-server (RFC 8414; Mastodon 4.4 only). */
export function metadata(ctx: Ctx) {
  const o = ctx.site.origin;
  const rfc9207 = ctx.site.config.iss?.advertise
    ? { authorization_response_iss_parameter_supported: true }
    : {};
  sendJson(ctx, 200, {
    ...rfc9207,
    issuer: issuerOf(o),
    service_documentation: "https://docs.joinmastodon.org/",
    authorization_endpoint: `${o}/oauth/authorize`,
    token_endpoint: `${o}/oauth/token`,
    revocation_endpoint: `${o}/oauth/revoke`,
    app_registration_endpoint: `${o}/api/v1/apps`,
    userinfo_endpoint: `${o}/oauth/userinfo`,
    scopes_supported: ["read", "write", "write:statuses", "read:statuses", "follow", "push", "profile"],
    response_types_supported: ["code"],
    response_modes_supported: ["query", "fragment", "form_post"],
    code_challenge_methods_supported: ["S256"],
    grant_types_supported: ["authorization_code", "client_credentials"],
    token_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post"],
  });
}

/** GET /.well-known/nodeinfo */
export function nodeinfoLinks(ctx: Ctx) {
  const href = `${ctx.site.origin}/nodeinfo/2.0`;
  sendJson(ctx, 200, { links: [{ rel: "http://nodeinfo.diaspora.software/ns/schema/2.0", href }] });
}

/** GET /nodeinfo/2.0 */
export function nodeinfo(ctx: Ctx) {
  const { name, version } = SOFTWARE[ctx.site.flavour];
  sendJson(ctx, 200, {
    version: "2.0",
    software: { name, version },
    protocols: ["activitypub"],
    services: { outbound: [], inbound: [] },
    usage: { users: { total: USERS.length, activeMonth: 2, activeHalfyear: 2 }, localPosts: 45 },
    openRegistrations: false,
    metadata: { nodeName: ctx.site.host },
  });
}

function webfingerTarget(ctx: Ctx): { accountDomain: string; webOrigin: string } {
  const wf = ctx.site.config.webfinger ?? {};
  return { accountDomain: wf.accountDomain ?? ctx.site.host, webOrigin: wf.webOrigin ?? ctx.site.origin };
}

/** The username a WebFinger resource names on this site, if it names a seeded user. */
function resourceUser(
  ctx: Ctx,
  resource: string,
  accountDomain: string,
  webOrigin: string,
): string | undefined {
  const acct = /^acct:@?([^@]+)@(.+)$/.exec(resource);
  const domains = [accountDomain, ctx.site.host, new URL(webOrigin).host];
  let name: string | undefined;
  if (acct?.[1] && acct[2] && domains.includes(acct[2].toLowerCase())) name = acct[1];
  const url = /^https?:\/\/([^/]+)\/(?:@|users\/)([^/?#]+)$/.exec(resource);
  if (url?.[1] && url[2] && domains.includes(url[1])) name = url[2];
  return USERS.find((u) => u.username === name?.toLowerCase())?.username;
}

/** GET /.well-known/webfinger?resource=acct:USER@DOMAIN */
export function webfinger(ctx: Ctx) {
  const redirectTo = ctx.site.config.webfinger?.redirectTo;
  if (redirectTo) return redirect(ctx, 301, `${redirectTo}/.well-known/webfinger${ctx.url.search}`);
  const { accountDomain, webOrigin } = webfingerTarget(ctx);
  const resource = ctx.url.searchParams.get("resource") ?? "";
  if (!resource) return sendJson(ctx, 400, { error: "resource parameter is required" });
  const user = resourceUser(ctx, resource, accountDomain, webOrigin);
  if (!user) return notFound(ctx);
  const jrd = {
    subject: `acct:${user}@${accountDomain}`,
    aliases: [`${webOrigin}/@${user}`, `${webOrigin}/users/${user}`],
    links: [
      { rel: "http://webfinger.net/rel/profile-page", type: "text/html", href: `${webOrigin}/@${user}` },
      { rel: "self", type: "application/activity+json", href: `${webOrigin}/users/${user}` },
      {
        rel: "http://ostatus.org/schema/1.0/subscribe",
        template: `${webOrigin}/authorize_interaction?uri={uri}`,
      },
    ],
  };
  send(ctx, 200, JSON.stringify(jrd), { "content-type": "application/jrd+json; charset=utf-8" });
}

/** GET /.well-known/host-meta (XRD pointing at the web host's WebFinger). */
export function hostMeta(ctx: Ctx) {
  const { webOrigin } = webfingerTarget(ctx);
  const xml = `<?xml version="1.0" encoding="UTF-8"?>
<XRD xmlns="http://docs.oasis-open.org/ns/xri/xrd-1.0">
  <Link rel="lrdd" template="${webOrigin}/.well-known/webfinger?resource={uri}"/>
</XRD>
`;
  send(ctx, 200, xml, { "content-type": "application/xrd+xml; charset=utf-8" });
}
