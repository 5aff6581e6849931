/**
 * Finds an instance's OAuth endpoints, issuer, software and streaming host. RFC 8414 metadata
 * first (Mastodon ≥ 4.3); anything unusable (404 on GoToSocial and older Mastodon, HTML, an
 * endpoint or issuer on another origin) falls back to the conventional Mastodon paths on the
 * instance's own origin, so a hostile metadata document can never point the BFF (and its
 * client_secret) elsewhere. `policy` carries the operator's allow/deny lists: the streaming host,
 * which receives the user's token, must pass them too.
 */
import { BffError, isBffError } from "../errors.ts";
import { asRecord, discard, readJson, type UpstreamContext, upstreamFetch } from "../http/upstream.ts";
import type { Endpoints, Issuer } from "../oauth/registration.ts";
import { checkUpstreamUrl, type HostPolicy, isSameOrigin } from "./host.ts";
import { checkContactedUrl } from "./policy.ts";
import { streamingOrigin } from "./streaming.ts";

export interface InstanceInfo {
  readonly endpoints: Endpoints;
  /** RFC 8414 `issuer`, when the metadata document is trusted and names one. */
  readonly issuer?: Issuer;
  readonly software: string;
  readonly forceLogin: boolean;
  /** `wss://host[:port]` of the streaming API: scheme, host and port only. */
  readonly streaming: string;
}

interface Metadata {
  readonly endpoints: Endpoints;
  readonly issuer?: Issuer;
}

const METADATA_FIELDS = {
  register: "app_registration_endpoint",
  authorize: "authorization_endpoint",
  token: "token_endpoint",
  revoke: "revocation_endpoint",
} as const;

/** Servers that hand out a token in the redirect URL for a known browser unless force_login=true (Pleroma/Akkoma). */
const FORCE_LOGIN_SOFTWARE = new Set(["pleroma", "akkoma"]);
/** No Mastodon client API at all. */
const UNSUPPORTED_SOFTWARE = new Set(["misskey"]);

export async function discoverInstance(
  ctx: UpstreamContext,
  origin: string,
  policy: HostPolicy,
): Promise<InstanceInfo> {
  const [metadata, software, streaming] = await Promise.all([
    discoverMetadata(ctx, origin, policy),
    discoverSoftware(ctx, origin, policy),
    discoverStreaming(ctx, origin, policy),
  ]);
  if (UNSUPPORTED_SOFTWARE.has(software)) {
    throw new BffError("unsupported_instance", `This server runs ${software}, which has no Mastodon API.`);
  }
  return { ...metadata, software, forceLogin: FORCE_LOGIN_SOFTWARE.has(software), streaming };
}

export function conventionalEndpoints(origin: string): Endpoints {
  return {
    register: `${origin}/api/v1/apps`,
    authorize: `${origin}/oauth/authorize`,
    token: `${origin}/oauth/token`,
    revoke: `${origin}/oauth/revoke`,
  };
}

async function discoverMetadata(ctx: UpstreamContext, origin: string, policy: HostPolicy): Promise<Metadata> {
  const fallback = { endpoints: conventionalEndpoints(origin) };
  const doc = await fetchOptionalJson(ctx, `${origin}/.well-known/oauth-authorization-server`);
  if (doc === null) return fallback;
  const endpoints: Record<string, string> = { ...fallback.endpoints };
  for (const [name, field] of Object.entries(METADATA_FIELDS)) {
    const value = doc[field];
    if (value === undefined) continue;
    const url = typeof value === "string" ? sameOriginUrl(value, origin, policy) : null;
    // A metadata document that points anywhere else is not trusted at all.
    if (url === null) return fallback;
    endpoints[name] = url;
  }
  const issuer = issuerOf(doc, origin, policy);
  if (issuer === null) return fallback;
  return issuer === undefined
    ? { endpoints: endpoints as unknown as Endpoints }
    : { endpoints: endpoints as unknown as Endpoints, issuer };
}

/**
 * RFC 8414 §2 `issuer` (an https URL without query or fragment, here on the instance's own origin)
 * and whether the server promised RFC 9207's `iss` in every authorization response. Undefined
 * when absent; null when present but unusable, which distrusts the whole document.
 */
function issuerOf(
  doc: Record<string, unknown>,
  origin: string,
  policy: HostPolicy,
): Issuer | undefined | null {
  const id = doc.issuer;
  if (id === undefined) return undefined;
  if (typeof id !== "string" || id.includes("?") || sameOriginUrl(id, origin, policy) === null) return null;
  // Kept exactly as sent: RFC 9207 §2.4 compares `iss` by simple string comparison.
  return { id, required: doc.authorization_response_iss_parameter_supported === true };
}

function sameOriginUrl(value: string, origin: string, policy: HostPolicy): string | null {
  try {
    const url = checkUpstreamUrl(value, policy);
    return isSameOrigin(url, origin) ? url.href : null;
  } catch {
    return null;
  }
}

async function discoverSoftware(ctx: UpstreamContext, origin: string, policy: HostPolicy): Promise<string> {
  const index = await fetchOptionalJson(ctx, `${origin}/.well-known/nodeinfo`);
  const links = Array.isArray(index?.links) ? (index.links as unknown[]) : [];
  const href = links.map((link) => asRecord(link)?.href).find((h): h is string => typeof h === "string");
  const url = href === undefined ? null : sameOriginUrl(href, origin, policy);
  if (url === null) return "";
  const info = await fetchOptionalJson(ctx, url);
  const software = info?.software;
  const name = asRecord(software)?.name;
  return typeof name === "string" && /^[a-z0-9._-]{1,40}$/i.test(name) ? name.toLowerCase() : "";
}

async function discoverStreaming(ctx: UpstreamContext, origin: string, policy: HostPolicy): Promise<string> {
  const fallback = origin.replace(/^http/, "ws");
  const doc = await fetchOptionalJson(ctx, `${origin}/api/v2/instance`);
  const streaming = asRecord(asRecord(doc?.configuration)?.urls)?.streaming;
  if (typeof streaming !== "string") return fallback;
  try {
    // The streaming API may live on another host: it passes the same host check and lists as the instance.
    return streamingOrigin(checkContactedUrl(streaming, policy, { schemes: ["wss:", "https:"] }), origin);
  } catch (error) {
    if (isBffError(error)) return fallback;
    throw error;
  }
}

/** A JSON object from an optional document, or null when it is absent or unusable. */
async function fetchOptionalJson(ctx: UpstreamContext, url: string): Promise<Record<string, unknown> | null> {
  let res: Response;
  try {
    res = await upstreamFetch(ctx, url, { headers: { accept: "application/json" } });
  } catch (error) {
    // An unreachable instance shows up in the registration request that follows.
    if (isBffError(error)) return null;
    throw error;
  }
  if (res.status !== 200) {
    await discard(res);
    return null;
  }
  try {
    return asRecord(await readJson(res, "invalid_upstream_response"));
  } catch {
    return null;
  }
}
