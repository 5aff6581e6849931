/**
 * Content-type safety for proxied answers. A hostile instance may answer an API
 * call with HTML, SVG or JavaScript; opened as a top-level page on the BFF's origin it would run
 * with the user's cookie and could drive the API. Only the types the Mastodon API really returns
 * keep their type; everything else becomes `application/octet-stream`, and every proxied answer is
 * sandboxed and unsniffable (see `SAFETY_HEADERS`).
 */

/** How a proxied body may be presented: `inline` (JSON, SSE) or as a download. */
export interface SafeType {
  /** The Content-Type to send, or null when the answer has none and no body. */
  readonly type: string | null;
  readonly inline: boolean;
}

/** Headers on every proxied answer: no sniffing, no script, no plugin, no same-origin document. */
export const SAFETY_HEADERS: readonly (readonly [string, string])[] = [
  ["x-content-type-options", "nosniff"],
  ["content-security-policy", "sandbox; default-src 'none'"],
];

const OCTET_STREAM = "application/octet-stream";
const ESSENCE = /^\s*([a-z0-9!#$&^_.+-]+)\/([a-z0-9!#$&^_.+-]+)\s*(?:;|$)/i;
/** The only parameter kept: a UTF-8 charset (UTF-7 and friends have been used to smuggle script). */
const UTF8_PARAM = /;\s*charset\s*=\s*"?utf-8"?\s*(?:;|$)/i;
const MEDIA_TOP_LEVEL = new Set(["image", "video", "audio"]);
/** Media types that are documents in disguise: they run script when opened. */
const ACTIVE_MEDIA = new Set(["image/svg+xml", "image/svg", "video/vnd.mpegurl", "audio/mpegurl"]);

const JSON_SAFE: SafeType = { type: "application/json; charset=utf-8", inline: true };
const DOWNLOAD: SafeType = { type: OCTET_STREAM, inline: false };
const NONE: SafeType = { type: null, inline: false };

/** Maps the instance's Content-Type to what the browser gets. `hasBody` false: 204/304/HEAD. */
export function safeContentType(value: string | null, hasBody: boolean): SafeType {
  if (value === null) return hasBody ? DOWNLOAD : NONE;
  const match = ESSENCE.exec(value);
  if (match === null) return DOWNLOAD;
  const top = (match[1] as string).toLowerCase();
  const sub = (match[2] as string).toLowerCase();
  const essence = `${top}/${sub}`;
  if (top === "application" && (sub === "json" || sub.endsWith("+json"))) {
    return essence === "application/json" ? JSON_SAFE : { type: withCharset(essence, value), inline: true };
  }
  if (essence === "text/event-stream") return { type: withCharset(essence, value), inline: true };
  if (essence === OCTET_STREAM || (MEDIA_TOP_LEVEL.has(top) && !ACTIVE_MEDIA.has(essence))) {
    return { type: essence, inline: false };
  }
  return DOWNLOAD;
}

function withCharset(essence: string, value: string): string {
  return UTF8_PARAM.test(value) ? `${essence}; charset=utf-8` : essence;
}
