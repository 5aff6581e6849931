/**
 * Cookie names and attributes. Every cookie is `__Host-` prefixed (Secure, Path=/, no Domain: a
 * sibling subdomain cannot plant or overwrite it), HttpOnly (page JavaScript never sees it) and
 * SameSite=Lax (sent on the instance's top-level redirect back to the callback, not on cross-site
 * subrequests).
 *
 * The prefix binds only names that start with `__Host-` byte for byte, so names are compared
 * exactly, after removing only SP and HTAB (RFC 6265 §5.2). A sibling can still plant a lookalike
 * (`\u2000__Host-fedi-bff-session`, Domain=parent, a longer Path so it is sent first): any name that
 * differs from ours only by other whitespace or invisible characters at its ends is a competing
 * claim, and a value claimed twice is no value at all.
 */
export const SESSION_COOKIE = "__Host-fedi-bff-session";
/** Login-transaction cookies: a fixed set of slots (auth/login/transaction.ts), so starts overwrite, never add. */
export const LOGIN_COOKIE_PREFIX = "__Host-fedi-bff-login-";
/** Login slots, hence login cookies, at most: several tabs can log in at once. */
export const MAX_LOGIN_COOKIES = 3;
/** Longer Cookie headers are not parsed for the session (browsers send up to ~4 KB per cookie). */
export const MAX_COOKIE_HEADER = 16_384;

export function serializeCookie(name: string, value: string, maxAge: number): string {
  return `${name}=${value}; Max-Age=${maxAge}; Path=/; HttpOnly; Secure; SameSite=Lax`;
}

export function clearCookie(name: string): string {
  return `${name}=; Max-Age=0; Path=/; HttpOnly; Secure; SameSite=Lax`;
}

const SP = 0x20;
const HTAB = 0x09;
/** Visible ASCII: what a name may not be padded with for it to count as a lookalike of ours. */
const isVisible = (code: number) => code > 0x20 && code < 0x7f;

/**
 * One cookie's value, or undefined when it is absent, claimed twice, or claimed by a lookalike
 * name. Runs on every proxied call: it jumps between occurrences of `name` with indexOf instead
 * of splitting the header. `limit` bounds the header it reads.
 */
export function cookieValue(
  header: string | null | undefined,
  name: string,
  limit: number = MAX_COOKIE_HEADER,
): string | undefined {
  if (!header || header.length > limit) return undefined;
  let value: string | undefined;
  let at = header.indexOf(name);
  while (at >= 0) {
    const claim = claimAt(header, at, name.length);
    if (claim !== null) {
      if (value !== undefined || claim.lookalike) return undefined;
      value = claim.value;
    }
    at = header.indexOf(name, at + name.length);
  }
  return value;
}

/**
 * The cookie whose name contains `name` at `at`, if its name is `name` padded only with
 * non-visible characters (a claim); `lookalike` when the padding is more than SP/HTAB.
 */
function claimAt(header: string, at: number, length: number): { value: string; lookalike: boolean } | null {
  let lookalike = false;
  let start = at - 1;
  for (; start >= 0 && header.charCodeAt(start) !== 0x3b; start--) {
    const code = header.charCodeAt(start);
    if (isVisible(code)) return null;
    if (code !== SP && code !== HTAB) lookalike = true;
  }
  let eq = at + length;
  for (; eq < header.length && header.charCodeAt(eq) !== 0x3d; eq++) {
    const code = header.charCodeAt(eq);
    if (isVisible(code)) return null;
    if (code !== SP && code !== HTAB) lookalike = true;
  }
  if (eq >= header.length) return null;
  let end = header.indexOf(";", eq + 1);
  if (end < 0) end = header.length;
  return { value: trimSpaces(header.slice(eq + 1, end)), lookalike };
}

/** Removes SP and HTAB only (JavaScript's trim also removes U+00A0, U+2000–U+200A, U+FEFF…). */
export function trimSpaces(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && isSpace(text.charCodeAt(start))) start++;
  while (end > start && isSpace(text.charCodeAt(end - 1))) end--;
  return start === 0 && end === text.length ? text : text.slice(start, end);
}

const isSpace = (code: number) => code === SP || code === HTAB;

/** Names of the cookies in this header (any length: used to find and clear our own). */
export function cookieNames(header: string | null | undefined): string[] {
  if (!header) return [];
  const names: string[] = [];
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq >= 0) names.push(trimSpaces(part.slice(0, eq)));
  }
  return names;
}
