import type { Site, StoredStatus } from "./types.ts";

/** The seeded local users; each signs in with the password "password". */
export const USERS = [
  {
    id: "109000000000000001",
    username: "alice",
    displayName: "Alice",
    note: "<p>Testing the fediverse.</p>",
  },
  { id: "109000000000000002", username: "bob", displayName: "Bob 🐢", note: "<p>Slow and steady.</p>" },
  { id: "109000000000000003", username: "carol", displayName: "Carol", note: "<p>Reads a lot.</p>" },
  { id: "109000000000000004", username: "dave", displayName: "Dave", note: "<p>Posts at night.</p>" },
  { id: "109000000000000005", username: "erin", displayName: "Erin", note: "<p>Boosts cats.</p>" },
] as const;

export const PASSWORD = "password";
const STATUS_BASE = 113000000000000000n;
const SEED_COUNT = 45;
const T0 = Date.parse("2025-03-01T12:00:00.000Z");

/** Snowflake-like status ids: all the same length, increasing with time. */
export const statusId = (n: number): string => String(STATUS_BASE + BigInt(n));

/** 45 statuses, newest first, alternating authors. */
export function seedStatuses(): StoredStatus[] {
  const list: StoredStatus[] = [];
  for (let n = SEED_COUNT; n >= 1; n--) {
    list.push({
      id: statusId(n),
      user: n % 3 === 0 ? "bob" : "alice",
      text: `Seeded post number ${n} <3 & friends`,
      createdAt: new Date(T0 + n * 60_000).toISOString(),
      visibility: "public",
      favouritedBy: new Set(),
    });
  }
  return list;
}

/** Mastodon Account JSON for a seeded user; `withSource` for verify_credentials. */
export function accountJson(site: Site, username: string, withSource = false): Record<string, unknown> {
  const user = USERS.find((u) => u.username === username) ?? USERS[0];
  const o = site.origin;
  const account: Record<string, unknown> = {
    id: user.id,
    username: user.username,
    acct: user.username,
    display_name: user.displayName,
    locked: false,
    bot: false,
    discoverable: true,
    group: false,
    created_at: "2023-01-10T00:00:00.000Z",
    note: user.note,
    url: `${o}/@${user.username}`,
    uri: `${o}/users/${user.username}`,
    avatar: `${o}/system/accounts/avatars/${user.id}/original/avatar.png`,
    avatar_static: `${o}/system/accounts/avatars/${user.id}/original/avatar.png`,
    header: `${o}/headers/original/missing.png`,
    header_static: `${o}/headers/original/missing.png`,
    followers_count: user.username === "alice" ? 120 : 7,
    following_count: 42,
    statuses_count: site.statuses.filter((s) => s.user === user.username).length,
    last_status_at: "2025-03-01",
    emojis: [],
    fields: [],
  };
  if (withSource) {
    account.source = {
      privacy: "public",
      sensitive: false,
      language: "en",
      note: user.note.replace(/<[^>]+>/g, ""),
      fields: [],
      follow_requests_count: 0,
    };
  }
  return account;
}

const escapeHtml = (s: string): string =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** Mastodon Status JSON, as seen by `viewer` (for `favourited`). */
export function statusJson(site: Site, s: StoredStatus, viewer?: string): Record<string, unknown> {
  const o = site.origin;
  return {
    id: s.id,
    created_at: s.createdAt,
    in_reply_to_id: null,
    in_reply_to_account_id: null,
    sensitive: false,
    spoiler_text: "",
    visibility: s.visibility,
    language: "en",
    uri: `${o}/users/${s.user}/statuses/${s.id}`,
    url: `${o}/@${s.user}/${s.id}`,
    replies_count: 0,
    reblogs_count: 0,
    favourites_count: s.favouritedBy.size,
    edited_at: null,
    favourited: viewer ? s.favouritedBy.has(viewer) : false,
    reblogged: false,
    muted: false,
    bookmarked: false,
    pinned: false,
    content: `<p>${escapeHtml(s.text)}</p>`,
    filtered: [],
    reblog: null,
    application: null,
    account: accountJson(site, s.user),
    media_attachments: [],
    mentions: [],
    tags: [],
    emojis: [],
    card: null,
    poll: null,
  };
}
