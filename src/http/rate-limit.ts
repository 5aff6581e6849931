/**
 * The per-client brake on everything that can make the Worker register an app on an instance
 * (login starts; the public proxy may call it too). Keyed by the client's address as Cloudflare
 * reports it in `CF-Connecting-IP`: IPv4 as is, IPv6 by its /64 (one host usually owns a whole
 * /64), and an IPv4-mapped IPv6 address (RFC 4291 §2.5.5.2) as the IPv4 address it carries.
 */
import { BffError } from "../errors.ts";
import { log } from "../log.ts";

/**
 * The bucket of requests that carry no usable client address. Cloudflare always sets
 * `CF-Connecting-IP`, so this only happens off Cloudflare (local development, a test harness):
 * those requests share one bucket (a brake that still holds) and the first one is logged.
 */
export const NO_CLIENT_IP_KEY = "no-client-ip";

let loggedMissingIp = false;

/** Counts one registration-capable request of this client; 429 `rate_limited` past the limit. */
export async function limitRegistrations(
  request: Request,
  deps: { readonly env: { readonly LOGIN_LIMITER?: RateLimit } },
  scope: "login" | "public" = "login",
): Promise<void> {
  const limiter = deps.env.LOGIN_LIMITER;
  if (limiter === undefined) return;
  const { success } = await limiter.limit({ key: `${scope}:${requestClientKey(request)}` });
  if (!success) {
    throw new BffError("rate_limited", "Too many logins from this address; wait a minute.", {
      headers: { "retry-after": "60" },
    });
  }
}

function requestClientKey(request: Request): string {
  const ip = request.headers.get("cf-connecting-ip");
  const key = clientKey(ip);
  if (key === NO_CLIENT_IP_KEY && !loggedMissingIp) {
    loggedMissingIp = true;
    log("warn", "rate_limit_no_client_ip", { internal: ip === null ? "absent" : "malformed" });
  }
  return key;
}

/** The rate-limit key of a client address; `NO_CLIENT_IP_KEY` when it is absent or not an IP. */
export function clientKey(ip: string | null): string {
  if (ip === null) return NO_CLIENT_IP_KEY;
  const trimmed = ip.trim();
  if (isIpv4(trimmed)) return trimmed;
  const groups = parseIpv6(trimmed);
  if (groups === null) return NO_CLIENT_IP_KEY;
  if (isIpv4Mapped(groups)) return ipv4FromGroups(groups[6] ?? 0, groups[7] ?? 0);
  // The all-zero /64 holds no routable hosts (::1, ::, deprecated IPv4-compatible): keyed whole,
  // so these special addresses never share one bucket.
  const prefix = groups[0] === 0 && groups[1] === 0 && groups[2] === 0 && groups[3] === 0;
  return groups
    .slice(0, prefix ? 8 : 4)
    .map((g) => g.toString(16))
    .join(":");
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

function isIpv4(text: string): boolean {
  return IPV4.test(text);
}

/** `::ffff:0:0/96`. */
function isIpv4Mapped(groups: readonly number[]): boolean {
  return groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff;
}

function ipv4FromGroups(high: number, low: number): string {
  return [high >> 8, high & 0xff, low >> 8, low & 0xff].join(".");
}

/** RFC 4291 §2.2 text forms (full, `::`-compressed, trailing dotted IPv4) → 8 groups, or null. */
export function parseIpv6(text: string): number[] | null {
  const parts = text.split("::");
  if (parts.length > 2) return null;
  // A dotted IPv4 part may only end the whole address.
  const head = splitGroups(parts[0] ?? "", parts.length === 1);
  const tail = parts.length === 2 ? splitGroups(parts[1] ?? "", true) : [];
  if (head === null || tail === null) return null;
  const present = head.length + tail.length;
  if (parts.length === 2 ? present > 7 : present !== 8) return null;
  return [...head, ...Array<number>(8 - present).fill(0), ...tail];
}

/** "a:b:1.2.3.4" → [a, b, 0x0102, 0x0304]; null on anything malformed. */
function splitGroups(text: string, dottedLast: boolean): number[] | null {
  if (text === "") return [];
  const pieces = text.split(":");
  const last = pieces.at(-1) ?? "";
  const groups: number[] = [];
  for (const piece of pieces.slice(0, -1)) {
    if (!/^[0-9a-f]{1,4}$/i.test(piece)) return null;
    groups.push(Number.parseInt(piece, 16));
  }
  if (dottedLast && isIpv4(last)) {
    const [a = 0, b = 0, c = 0, d = 0] = last.split(".").map(Number);
    groups.push((a << 8) | b, (c << 8) | d);
  } else if (/^[0-9a-f]{1,4}$/i.test(last)) {
    groups.push(Number.parseInt(last, 16));
  } else {
    return null;
  }
  return groups;
}
