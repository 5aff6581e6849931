/**
 * `return_to`: where the browser goes after login. Only a same-origin relative path, or an
 * absolute URL on a configured frontend origin — never an open redirect (`//evil`, `/\evil`,
 * `https://evil`, encoded or with control characters).
 */
import type { Deps } from "../app/deps.ts";
import { BffError } from "../errors.ts";
import { MAX_RETURN_TO_LENGTH } from "./login/transaction.ts";

/** return_to travels in the login cookie, which must stay small (login/transaction.ts). */
const MAX_LENGTH = MAX_RETURN_TO_LENGTH;

export function parseReturnTo(raw: string | undefined, deps: Deps): string {
  if (raw === undefined || raw === "") return "/";
  const refuse = (why: string) =>
    new BffError("invalid_return_to", "return_to must be a path on this site, such as /home.", {
      internal: why,
    });
  // Control characters, whitespace and backslashes are normalized differently by browsers.
  if (raw.length > MAX_LENGTH || /[\u0000-\u0020\u007f-\u009f\\]/.test(raw))
    throw refuse("bad characters or length");
  if (raw.startsWith("/")) {
    if (raw.startsWith("//")) throw refuse("protocol-relative");
    const url = new URL(raw, deps.publicOrigin);
    const path = url.pathname + url.search + url.hash;
    // Dot segments can collapse into a protocol-relative result: `/..//evil` resolves to `//evil`.
    if (url.origin !== deps.publicOrigin || path.startsWith("//")) throw refuse("changes origin");
    // Percent-encoding can grow a path sixfold; the login cookie that carries it must stay small.
    if (path.length > MAX_LENGTH) throw refuse("too long once normalized");
    return path;
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw refuse("not a path or URL");
  }
  if (!deps.config.frontendOrigins.has(url.origin) || url.username || url.password)
    throw refuse("foreign origin");
  // As for a relative path: a frontend that re-emits its own path (`//evil.example/x`, also
  // reached through `/..//`) would turn it into a protocol-relative redirect elsewhere.
  if (url.pathname.startsWith("//")) throw refuse("protocol-relative path on a frontend origin");
  return url.href;
}

/** return_to with `auth_error=<code>` added (the frontend shows the error; no JSON page). */
export function withAuthError(returnTo: string, code: string, deps: Deps): string {
  return withQueryParam(returnTo, "auth_error", code, deps);
}

/** A validated return_to with one query parameter set; relative stays relative. */
export function withQueryParam(returnTo: string, name: string, value: string, deps: Deps): string {
  const url = new URL(returnTo, deps.publicOrigin);
  url.searchParams.set(name, value);
  return url.origin === deps.publicOrigin ? url.pathname + url.search + url.hash : url.href;
}

/** The callback's 302 back to the app; no Referer, which would carry the callback's code. */
export function redirectTo(location: string): Response {
  return new Response(null, { status: 302, headers: { location, "referrer-policy": "no-referrer" } });
}
