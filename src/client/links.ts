/**
 * Pagination: Mastodon pages with a `Link` header (RFC 8288), which fedi-bff rewrites to absolute
 * URLs on itself. Only links on fedi-bff's origin are followed, so a page never leads the client to
 * send its session cookie and `X-CSRF` anywhere else.
 */

/** The `next` and `prev` pages of an answer, as absolute URLs on fedi-bff, or null. */
export interface PageLinks {
  readonly next: string | null;
  readonly prev: string | null;
}

/** `<url>; param; rel="next"` items of a Link header (no `<` or `>` inside a URL-reference). */
const LINK = /<([^<>]*)>([^<]*)/g;
const REL = /;\s*rel\s*=\s*(?:"([^"]*)"|([^\s;,]+))/i;

/** Reads `rel="next"` and `rel="prev"` from a Link header; links off `origin` are dropped. */
export function parseLinks(header: string | null, origin: string): PageLinks {
  const found: { next: string | null; prev: string | null } = { next: null, prev: null };
  for (const [, target = "", params = ""] of (header ?? "").matchAll(LINK)) {
    const rel = REL.exec(params);
    const url = onOrigin(target, origin);
    if (rel === null || url === null) continue;
    for (const name of (rel[1] ?? rel[2] ?? "").toLowerCase().split(/\s+/)) {
      if ((name === "next" || name === "prev") && found[name] === null) found[name] = url;
    }
  }
  return found;
}

function onOrigin(target: string, origin: string): string | null {
  try {
    const url = new URL(target.trim(), origin);
    return url.origin === origin ? url.href : null;
  } catch {
    return null;
  }
}
