/**
 * Cookie names and attributes. Every cookie is `__Host-` prefixed (Secure, Path=/, no Domain: a
 * sibling subdomain cannot plant or overwrite it), HttpOnly (page JavaScript never sees it) and
 * SameSite=Lax (sent on the instance's top-level redirect back to the callback, not on cross-site
 * subrequests).
 */
export const SESSION_COOKIE = "__Host-fedi-bff-session";
/** One login-transaction cookie per login in flight, so two tabs can log in at once. */
export const LOGIN_COOKIE_PREFIX = "__Host-fedi-bff-login-";
/** Login cookies kept at most; older ones are dropped when a new login starts. */
export const MAX_LOGIN_COOKIES = 3;

export function serializeCookie(name: string, value: string, maxAge: number): string {
  return `${name}=${value}; Max-Age=${maxAge}; Path=/; HttpOnly; Secure; SameSite=Lax`;
}

export function clearCookie(name: string): string {
  return `${name}=; Max-Age=0; Path=/; HttpOnly; Secure; SameSite=Lax`;
}

/** Parses a Cookie header into name → value (first wins). Malformed pairs are skipped. */
export function parseCookies(header: string | null | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  if (!header || header.length > 16_384) return cookies;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (name && !cookies.has(name)) cookies.set(name, value);
  }
  return cookies;
}

/**
 * One cookie's value, as `parseCookies(header).get(name)` would give it (same limits, first wins,
 * names trimmed, malformed pairs skipped) without building the map: the proxy reads only the
 * session cookie, on every call.
 */
export function cookieValue(header: string | null | undefined, name: string): string | undefined {
  if (!header || header.length > 16_384) return undefined;
  let start = 0;
  while (start <= header.length) {
    let end = header.indexOf(";", start);
    if (end < 0) end = header.length;
    const eq = header.indexOf("=", start);
    if (eq >= 0 && eq < end && header.slice(start, eq).trim() === name) {
      return header.slice(eq + 1, end).trim();
    }
    start = end + 1;
  }
  return undefined;
}

/** The login cookie for a given state: named by a prefix of the state, which is public anyway. */
export function loginCookieName(state: string): string {
  return LOGIN_COOKIE_PREFIX + state.slice(0, 12);
}
