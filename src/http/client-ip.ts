/**
 * Which address a request came from, for the per-client rate limit (rate-limit.ts).
 *
 * - On Cloudflare the edge sets `CF-Connecting-IP`; the Worker never sees a socket.
 * - Served by `workerd serve` itself (self-hosted, `npm run self-host`), workerd reports the
 *   socket's peer as `request.cf.clientIp` ("192.0.2.1:50000", "[2001:db8::1]:50000") and sets no
 *   `CF-Connecting-IP` — a client could send one, so there it is ignored. The peer is the client,
 *   unless it is a reverse proxy the operator names in `TRUSTED_PROXIES`: then the client is the
 *   nearest address in `X-Forwarded-For` that is not itself a trusted proxy (each proxy appends the
 *   peer it saw, so everything right of that address was written by a trusted proxy).
 *
 * workerd builds `request.cf` itself unless its socket config names a `cfBlobHeader`, which the
 * self-host config never does, so a client cannot forge `clientIp`.
 */

/** An address range (`TRUSTED_PROXIES` entry): eight 16-bit groups and a prefix length, 0–128. */
export interface IpRange {
  readonly groups: readonly number[];
  readonly bits: number;
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

export function isIpv4(text: string): boolean {
  return IPV4.test(text);
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

/** Any address as 8 groups; IPv4 as its IPv4-mapped IPv6 address (`::ffff:a.b.c.d`). */
export function parseIp(text: string): number[] | null {
  return isIpv4(text) ? parseIpv6(`::ffff:${text}`) : parseIpv6(text);
}

/**
 * `192.0.2.1`, `192.0.2.0/24`, `2001:db8::1`, `2001:db8::/32` → a range; null when malformed or
 * when the prefix is longer than the address (an IPv4 prefix counts IPv4 bits: /24 of 32).
 */
export function parseIpRange(text: string): IpRange | null {
  const [address = "", prefix, extra] = text.trim().split("/");
  if (extra !== undefined) return null;
  const v4 = isIpv4(address);
  const groups = parseIp(address);
  if (groups === null) return null;
  const width = v4 ? 32 : 128;
  if (prefix !== undefined && !/^\d{1,3}$/.test(prefix)) return null;
  const length = prefix === undefined ? width : Number(prefix);
  if (length > width) return null;
  return { groups, bits: v4 ? 96 + length : length };
}

/** The narrowest prefix a trusted proxy range may have: IPv4 /8 (as 10.0.0.0/8), IPv6 /7 (as fc00::/7). */
export const WIDEST_PROXY_PREFIX = { v4: 8, v6: 7 } as const;

const V4_MAPPED: readonly number[] = [0, 0, 0, 0, 0, 0xffff, 0, 0];

/**
 * True when trusting `range` would trust (nearly) every address: `0.0.0.0/0`, `::/0`, or any range
 * wider than WIDEST_PROXY_PREFIX, or an IPv6 range that holds every IPv4 address (`::/8` holds
 * `::ffff:0:0/96`). Every client would then choose its own address with X-Forwarded-For.
 */
export function trustsTooMuch(range: IpRange): boolean {
  const v4 = range.bits >= 96 && inRange(range.groups, { groups: V4_MAPPED, bits: 96 });
  if (v4) return range.bits - 96 < WIDEST_PROXY_PREFIX.v4;
  return range.bits < WIDEST_PROXY_PREFIX.v6 || (range.bits <= 96 && inRange(V4_MAPPED, range));
}

/** Whether the address (8 groups) lies in the range. */
export function inRange(groups: readonly number[], range: IpRange): boolean {
  for (let i = 0, left = range.bits; left > 0; i++, left -= 16) {
    const mask = left >= 16 ? 0xffff : (0xffff << (16 - left)) & 0xffff;
    if (((groups[i] ?? 0) & mask) !== ((range.groups[i] ?? 0) & mask)) return false;
  }
  return true;
}

function trusted(address: string, proxies: readonly IpRange[]): boolean {
  const groups = parseIp(address);
  return groups !== null && proxies.some((range) => inRange(groups, range));
}

/**
 * An address as proxies and workerd write it, without its port: `192.0.2.1:5000` → `192.0.2.1`,
 * `[2001:db8::1]:5000` → `2001:db8::1`; a bare address is returned as it is (trimmed).
 */
export function withoutPort(text: string): string {
  const trimmed = text.trim();
  const bracketed = /^\[([^\]]*)\](?::\d{1,5})?$/.exec(trimmed);
  if (bracketed) return bracketed[1] as string;
  const v4 = /^(\d{1,3}(?:\.\d{1,3}){3}):\d{1,5}$/.exec(trimmed);
  return v4 ? (v4[1] as string) : trimmed;
}

/** The socket peer workerd reports when it serves the request itself; null on Cloudflare. */
export function socketPeer(request: Request): string | null {
  // Read structurally: the self-host command (Node, no Workers types) shares this module.
  const clientIp = (request as { readonly cf?: { readonly clientIp?: unknown } }).cf?.clientIp;
  return typeof clientIp === "string" ? withoutPort(clientIp) : null;
}

/** Where the client address of a request came from (logged once when it is unusable). */
export type AddressSource = "cf-connecting-ip" | "socket" | "x-forwarded-for";

/**
 * The client's address (text, as the source wrote it, port removed), or null when the source
 * gives none; with where it came from.
 */
export function clientAddress(
  request: Request,
  trustedProxies: readonly IpRange[],
): { readonly address: string | null; readonly source: AddressSource } {
  const peer = socketPeer(request);
  if (peer === null) return { address: request.headers.get("cf-connecting-ip"), source: "cf-connecting-ip" };
  if (!trusted(peer, trustedProxies)) return { address: peer, source: "socket" };
  const hops = (request.headers.get("x-forwarded-for") ?? "")
    .split(",")
    .map(withoutPort)
    .filter((hop) => hop !== "");
  // A trusted proxy that sent no X-Forwarded-For: its own address is all there is.
  if (hops.length === 0) return { address: peer, source: "socket" };
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i] as string;
    // The first hop (from the right) that is not a trusted proxy is the client; an unreadable hop
    // ends the walk (nothing left of it can be told apart from what a client wrote).
    if (parseIp(hop) === null) return { address: null, source: "x-forwarded-for" };
    if (!trusted(hop, trustedProxies)) return { address: hop, source: "x-forwarded-for" };
  }
  // Every hop is a trusted proxy: the furthest one is the best there is.
  return { address: hops[0] as string, source: "x-forwarded-for" };
}
