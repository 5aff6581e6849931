/**
 * Whether two origins are on the same site, as browsers decide for `SameSite=Lax` cookies: the
 * same scheme and the same registrable domain. Without the Public Suffix List the registrable
 * domain is taken as the host's last two labels (an IP address or a single label: the whole
 * host), so two hosts under one public suffix of two labels (`a.github.io`, `b.github.io`) pass
 * here though browsers keep them apart; hosts on different domains never pass.
 */
export function sameSite(a: string, b: string): boolean {
  const first = new URL(a);
  const second = new URL(b);
  return first.protocol === second.protocol && site(first.hostname) === site(second.hostname);
}

function site(host: string): string {
  if (host.startsWith("[") || /^[\d.]+$/.test(host)) return host;
  return host.split(".").slice(-2).join(".");
}
