/**
 * Deterministic Mastodon-shaped data: a home timeline page of about 20 KB (what a client fetches
 * most), and the one account a benchmark session holds.
 */

/** One status as Mastodon 4.x serializes it (fields trimmed to the common ones). */
export function status(n: number, origin: string): Record<string, unknown> {
  const id = String(113_500_000_000_000_000n + BigInt(n) * 7919n);
  const user = `user${n % 17}`;
  return {
    id,
    created_at: new Date(Date.UTC(2026, 10, 23, 11, 0, n)).toISOString(),
    in_reply_to_id: null,
    in_reply_to_account_id: null,
    sensitive: false,
    spoiler_text: "",
    visibility: "public",
    language: "en",
    uri: `${origin}/users/${user}/statuses/${id}`,
    url: `${origin}/@${user}/${id}`,
    replies_count: n % 5,
    reblogs_count: n % 11,
    favourites_count: n % 23,
    edited_at: null,
    content: `<p>Status number ${n}: a short post about benchmarks, loopback sockets and the cost of one more hop. <a href="${origin}/tags/bench" class="mention hashtag" rel="tag">#<span>bench</span></a></p>`,
    reblog: null,
    application: { name: "Web", website: null },
    account: {
      id: String(109_000_000 + (n % 17)),
      username: user,
      acct: user,
      display_name: `User ${n % 17}`,
      locked: false,
      bot: false,
      created_at: "2022-11-05T00:00:00.000Z",
      note: "<p>Benchmark fixture account.</p>",
      url: `${origin}/@${user}`,
      avatar: `${origin}/system/accounts/avatars/109/000/000/original/${user}.png`,
      avatar_static: `${origin}/system/accounts/avatars/109/000/000/original/${user}.png`,
      header: `${origin}/headers/original/missing.png`,
      header_static: `${origin}/headers/original/missing.png`,
      followers_count: 120 + n,
      following_count: 80,
      statuses_count: 4000 + n,
      last_status_at: "2026-11-23",
      emojis: [],
      fields: [],
    },
    media_attachments: [],
    mentions: [],
    tags: [{ name: "bench", url: `${origin}/tags/bench` }],
    emojis: [],
    card: null,
    poll: null,
  };
}

/** A home timeline page of at least 19 KB and its RFC 8288 pagination links on `origin`. */
export function timelinePage(origin: string): { body: string; link: string } {
  const statuses: Record<string, unknown>[] = [];
  let body = "[]";
  for (let n = 0; body.length < 19_500; n++) {
    statuses.push(status(n, origin));
    body = JSON.stringify(statuses);
  }
  const first = statuses[0]?.id as string;
  const last = statuses[statuses.length - 1]?.id as string;
  const base = `${origin}/api/v1/timelines/home`;
  const link = `<${base}?max_id=${last}>; rel="next", <${base}?min_id=${first}>; rel="prev"`;
  return { body, link };
}
