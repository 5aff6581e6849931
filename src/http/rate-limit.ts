/**
 * The per-client brake on everything that can make the Worker register an app on an instance
 * (login starts; the public proxy may call it too). Keyed by the client's address (client-ip.ts:
 * `CF-Connecting-IP` on Cloudflare, the socket peer or a trusted proxy's `X-Forwarded-For` when
 * workerd serves the request itself): IPv4 as is, IPv6 by its /64 (one host usually owns a whole
 * /64), and an IPv4-mapped IPv6 address (RFC 4291 §2.5.5.2) as the IPv4 address it carries.
 */
import { BffError } from "../errors.ts";
import { log } from "../log.ts";
import { clientAddress, type IpRange, isIpv4, parseIpv6 } from "./client-ip.ts";

/**
 * The bucket of requests that carry no usable client address. Cloudflare always sets
 * `CF-Connecting-IP` and workerd always reports the socket peer, so this only happens in a test
 * harness or behind a trusted proxy that wrote an unreadable `X-Forwarded-For`: those requests
 * share one bucket (a brake that still holds) and the first one is logged.
 */
export const NO_CLIENT_IP_KEY = "no-client-ip";

/** Login starts per client and window, as the Rate Limiting binding in wrangler.toml has them. */
export const LOGIN_LIMIT = { limit: 20, periodSeconds: 60 } as const;

let loggedMissingIp = false;

/** What the brake reads: its binding (absent off Cloudflare) and the operator's trusted proxies. */
export interface RateLimitDeps {
  readonly env: { readonly LOGIN_LIMITER?: RateLimit };
  readonly config: { readonly trustedProxies: readonly IpRange[] };
}

/** Counts one registration-capable request of this client; 429 `rate_limited` past the limit. */
export async function limitRegistrations(
  request: Request,
  deps: RateLimitDeps,
  scope: "login" | "public" = "login",
): Promise<void> {
  const limiter = deps.env.LOGIN_LIMITER ?? isolateLimiter;
  const key = `${scope}:${requestClientKey(request, deps.config.trustedProxies)}`;
  const { success } = await limiter.limit({ key });
  if (!success) {
    throw new BffError("rate_limited", "Too many logins from this address; wait a minute.", {
      headers: { "retry-after": String(LOGIN_LIMIT.periodSeconds) },
    });
  }
}

/** The client's address key (IPv4, or an IPv6 /64) as the brake counts it; also per-login budgets. */
export function requestClientKey(request: Request, trustedProxies: readonly IpRange[]): string {
  const { address, source } = clientAddress(request, trustedProxies);
  const key = clientKey(address);
  if (key === NO_CLIENT_IP_KEY && !loggedMissingIp) {
    loggedMissingIp = true;
    log("warn", "rate_limit_no_client_ip", {
      internal: `${source}: ${address === null ? "absent" : "malformed"}`,
    });
  }
  return key;
}

/**
 * The limiter when there is no Rate Limiting binding (self-hosted on workerd, or a Cloudflare
 * deployment without one): a fixed window per key in this isolate's memory.
 *
 * Why here and not a Durable Object: `workerd serve` runs the whole app — the Worker and its
 * Registrar — in one isolate of one process, so a counter in memory sees every request and is
 * exact; a Durable Object would add an RPC and a disk write to every login start and count the
 * same thing. On Cloudflare, where isolates are many, the binding is the answer; without it this
 * still brakes each isolate. Memory is bounded: past MAX_KEYS windows, expired ones are dropped,
 * then the oldest (a client evicted mid-window gets at most one more window's allowance).
 */
export class IsolateLimiter implements RateLimit {
  static readonly MAX_KEYS = 10_000;

  readonly #limit: number;
  readonly #periodMs: number;
  readonly #windows = new Map<string, { start: number; count: number }>();

  constructor(limit: number, periodSeconds: number) {
    this.#limit = limit;
    this.#periodMs = periodSeconds * 1000;
  }

  async limit({ key }: RateLimitOptions): Promise<RateLimitOutcome> {
    const now = Date.now();
    let window = this.#windows.get(key);
    if (window === undefined || window.start + this.#periodMs <= now) {
      this.#windows.delete(key);
      if (this.#windows.size >= IsolateLimiter.MAX_KEYS) this.#evict(now);
      window = { start: now, count: 0 };
      // Inserted last: the map stays ordered by window start, oldest first.
      this.#windows.set(key, window);
    }
    window.count++;
    return { success: window.count <= this.#limit };
  }

  /** How many keys hold a window (for tests). */
  get size(): number {
    return this.#windows.size;
  }

  #evict(now: number): void {
    for (const [key, window] of this.#windows) {
      if (window.start + this.#periodMs > now) break;
      this.#windows.delete(key);
    }
    if (this.#windows.size >= IsolateLimiter.MAX_KEYS) {
      const oldest = this.#windows.keys().next().value;
      if (oldest !== undefined) this.#windows.delete(oldest);
    }
  }
}

const isolateLimiter = new IsolateLimiter(LOGIN_LIMIT.limit, LOGIN_LIMIT.periodSeconds);

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

/** `::ffff:0:0/96`. */
function isIpv4Mapped(groups: readonly number[]): boolean {
  return groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff;
}

function ipv4FromGroups(high: number, low: number): string {
  return [high >> 8, high & 0xff, low >> 8, low & 0xff].join(".");
}
