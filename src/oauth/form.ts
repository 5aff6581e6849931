/**
 * The one way fedi-bff POSTs to an OAuth endpoint: a form-encoded body (RFC 6749 §4.1.3, §4.4.2;
 * RFC 7009 §2.1; Mastodon's `POST /api/v1/apps`), JSON asked for, through `upstreamFetch`.
 */
import { type UpstreamContext, type UpstreamOptions, upstreamFetch } from "../http/upstream.ts";

/** Form fields; an `undefined` value is left out of the body. */
export type FormFields = Readonly<Record<string, string | undefined>>;

/** POSTs `fields` as `application/x-www-form-urlencoded` and returns the instance's answer. */
export function postForm(
  ctx: UpstreamContext,
  url: string,
  fields: FormFields,
  options: UpstreamOptions = {},
): Promise<Response> {
  const body = new URLSearchParams();
  for (const [name, value] of Object.entries(fields)) {
    if (value !== undefined) body.set(name, value);
  }
  const init = { method: "POST", headers: { accept: "application/json" }, body };
  return upstreamFetch(ctx, url, init, options);
}
