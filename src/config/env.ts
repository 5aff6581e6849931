/**
 * The Worker's bindings, secrets and vars (wrangler.toml). Every var is a string as Cloudflare
 * delivers it; src/config/config.ts parses and validates them once.
 */
import type { RegistrarRpc } from "./registrar-rpc.ts";

export interface Env {
  /** "production" (or unset) or "development" (dev conveniences); any other value is a config error. */
  ENVIRONMENT?: string;
  /** Secret: comma-separated base64url 256-bit keys; the first encrypts, all decrypt. */
  SESSION_KEYS?: string;
  /** The BFF's own origin, e.g. https://bff.example.org (redirect_uri = PUBLIC_URL/auth/callback). */
  PUBLIC_URL?: string;
  APP_NAME?: string;
  APP_WEBSITE?: string;
  SCOPES?: string;
  /** Session lifetime in seconds. */
  SESSION_TTL?: string;
  /** Dev only: comma-separated host[:port] reachable over http and on loopback. */
  ALLOW_INSECURE_INSTANCES?: string;
  INSTANCE_ALLOWLIST?: string;
  INSTANCE_DENYLIST?: string;
  /** Comma-separated origins of frontends on other origins (same site) that may call the BFF. */
  FRONTEND_ORIGINS?: string;
  /** Comma-separated path prefixes the proxy forwards (default /api/v1/,/api/v2/). */
  PROXY_PATH_PREFIXES?: string;
  /** "true" or "false". */
  PUBLIC_PROXY?: string;
  /** Seconds allowed for an upstream response head (default 10). */
  UPSTREAM_TIMEOUT?: string;
  /**
   * Comma-separated IPs/CIDRs of reverse proxies whose X-Forwarded-For names the client. Only read
   * when workerd serves the socket itself (self-hosted); on Cloudflare CF-Connecting-IP is used.
   */
  TRUSTED_PROXIES?: string;
  /**
   * Secret: the operator's Bearer token for the admin routes under /_fedi-bff/ (instance status
   * and repairs, readiness details, metrics). Unset: those routes answer 404.
   */
  ADMIN_TOKEN?: string;
  /**
   * App registrations, read on the login hot path. Absent when self-hosted: the registry then
   * reads through the Registrar (src/registry/registry.ts).
   */
  APPS?: KVNamespace;
  /** One Durable Object per instance host: the single writer of its registration. */
  REGISTRAR: DurableObjectNamespace<RegistrarRpc>;
  /** Login starts per client IP. Absent when self-hosted: an in-isolate window stands in (src/http/rate-limit.ts). */
  LOGIN_LIMITER?: RateLimit;
  /** Optional Workers Analytics Engine dataset: one data point per event (docs/operators.md). */
  METRICS?: AnalyticsEngineDataset;
}
