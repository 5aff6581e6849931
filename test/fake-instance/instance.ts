import { SOFTWARE } from "./flavour.ts";
import { type Ctx, sendJson } from "./http.ts";
import { accountJson, USERS } from "./seed.ts";
import type { Site } from "./state.ts";

/**
 * The streaming base URL: configured, else the origin with ws(s) instead of http(s). GoToSocial
 * builds it from its configured host with `wss://` even when it serves plain http (a development
 * setup), so the gts flavour does too.
 */
export function streamingUrl(site: Site): string {
  if (site.config.streamingUrl !== undefined) return site.config.streamingUrl;
  return site.flavour === "gts" ? `wss://${site.host}` : site.origin.replace(/^http/, "ws");
}

/** GET /api/v2/instance */
export function instanceV2(ctx: Ctx): void {
  const site = ctx.site;
  sendJson(ctx, 200, {
    domain: site.host,
    title: `Fake ${SOFTWARE[site.flavour].name} (${site.host})`,
    version: SOFTWARE[site.flavour].apiVersion,
    source_url: "https://github.com/mastodon/mastodon",
    description: "An honest fake Mastodon-API server for tests.",
    usage: { users: { active_month: USERS.length } },
    thumbnail: { url: `${site.origin}/packs/media/images/preview.png`, blurhash: null, versions: {} },
    icon: [],
    languages: ["en"],
    configuration: {
      urls: { streaming: streamingUrl(site), status: null },
      vapid: {
        public_key:
          "BCk-QqERU0q-CfYZjcuB6lnyyOYfJ2AifKqfeGIm7Z-HiTU5T9eTG5GxVA0_OH5mMlI4UkkDTpaZwozy0TzdZ2M=",
      },
      accounts: { max_featured_tags: 10, max_pinned_statuses: 5 },
      statuses: { max_characters: 500, max_media_attachments: 4, characters_reserved_per_url: 23 },
      media_attachments: {
        supported_mime_types: ["image/jpeg", "image/png", "image/gif", "image/webp", "video/mp4"],
        image_size_limit: 16777216,
        image_matrix_limit: 33177600,
        video_size_limit: 103809024,
        video_frame_rate_limit: 120,
        video_matrix_limit: 8294400,
      },
      polls: { max_options: 4, max_characters_per_option: 50, min_expiration: 300, max_expiration: 2629746 },
      translation: { enabled: false },
    },
    registrations: { enabled: false, approval_required: false, message: null, url: null },
    api_versions: { mastodon: site.flavour === "mastodon" ? 6 : 0 },
    contact: { email: `admin@${site.host}`, account: accountJson(site, "alice") },
    rules: [{ id: "1", text: "Be honest.", hint: "" }],
  });
}

/** GET /api/v1/instance */
export function instanceV1(ctx: Ctx): void {
  const site = ctx.site;
  sendJson(ctx, 200, {
    uri: site.host,
    title: `Fake ${SOFTWARE[site.flavour].name} (${site.host})`,
    short_description: "An honest fake Mastodon-API server for tests.",
    description: "An honest fake Mastodon-API server for tests.",
    email: `admin@${site.host}`,
    version: SOFTWARE[site.flavour].apiVersion,
    urls: { streaming_api: streamingUrl(site) },
    stats: { user_count: USERS.length, status_count: site.statuses.length, domain_count: 1 },
    thumbnail: `${site.origin}/packs/media/images/preview.png`,
    languages: ["en"],
    registrations: false,
    approval_required: false,
    invites_enabled: false,
    configuration: { statuses: { max_characters: 500, max_media_attachments: 4 } },
    contact_account: accountJson(site, "alice"),
    rules: [{ id: "1", text: "Be honest." }],
  });
}
