/** Which server software a fake origin imitates, chosen by the first label of its hostname. */
export type Flavour =
  | "mastodon"
  | "oldmasto"
  | "gts"
  | "akkoma"
  | "snac"
  | "hollo"
  | "friendica"
  | "misskey"
  | "pixelfed"
  | "mitra";

/** The hostname of the control API. */
export const CONTROL_HOST = "control.fake";

const PREFIXES: ReadonlyArray<readonly [string, Flavour]> = [
  ["mastodon", "mastodon"],
  ["oldmasto", "oldmasto"],
  ["gts", "gts"],
  ["akkoma", "akkoma"],
  ["pleroma", "akkoma"],
  ["snac", "snac"],
  ["hollo", "hollo"],
  ["friendica", "friendica"],
  ["misskey", "misskey"],
  ["pixelfed", "pixelfed"],
  ["mitra", "mitra"],
];

/** The flavour for a hostname, or undefined when the fake must refuse the host (fail closed). */
export function flavourOf(hostname: string): Flavour | undefined {
  if (hostname === "127.0.0.1" || hostname === "localhost") return "mastodon";
  const label = hostname.split(".")[0] ?? "";
  return PREFIXES.find(([prefix]) => label.startsWith(prefix))?.[1];
}

/** nodeinfo software name and version per flavour. */
export const SOFTWARE: Record<Flavour, { name: string; version: string; apiVersion: string }> = {
  mastodon: { name: "mastodon", version: "4.4.3", apiVersion: "4.4.3" },
  oldmasto: { name: "mastodon", version: "4.2.17", apiVersion: "4.2.17" },
  gts: { name: "gotosocial", version: "0.19.1", apiVersion: "0.19.1 git-5a3f1c4" },
  akkoma: { name: "akkoma", version: "3.15.2", apiVersion: "2.7.2 (compatible; Akkoma 3.15.2)" },
  snac: { name: "snac", version: "2.94", apiVersion: "4.0.0 (not true; really snac/2.94)" },
  hollo: { name: "hollo", version: "0.9.4", apiVersion: "4.0.0 (compatible; Hollo 0.9.4)" },
  friendica: { name: "friendica", version: "2024.12", apiVersion: "2.8.0 (compatible; Friendica 2024.12)" },
  misskey: { name: "misskey", version: "2025.4.1", apiVersion: "2025.4.1" },
  pixelfed: { name: "pixelfed", version: "0.12.5", apiVersion: "2.7.2 (compatible; Pixelfed 0.12.5)" },
  mitra: { name: "mitra", version: "4.4.0", apiVersion: "4.0.0 (compatible; Mitra 4.4.0)" },
};

/** Mastodon-API servers that publish RFC 8414 metadata. */
export const hasMetadata = (f: Flavour): boolean => f === "mastodon" || f === "hollo";
/** Servers that refuse to authorize without a PKCE code challenge. */
export const requiresPkce = (f: Flavour): boolean => f === "mastodon";
/** Servers that check the code_verifier against the stored challenge. */
export const enforcesPkce = (f: Flavour): boolean => f !== "gts" && f !== "snac" && f !== "friendica";
/** snac (measured on a real server) never answers a request whose body is chunked. */
export const refusesChunkedBodies = (f: Flavour): boolean => f === "snac";
/** Servers without `GET /api/v2/instance` and `GET /api/v1/apps/verify_credentials` (404). */
export const lacksV2Instance = (f: Flavour): boolean => f === "snac";
/** Hollo (measured on a real server) redirects a denied consent with `error` but without `state`. */
export const dropsStateOnDeny = (f: Flavour): boolean => f === "hollo";
/** Hollo refuses unknown keys in `POST /api/v1/apps` (422). */
export const refusesUnknownAppKeys = (f: Flavour): boolean => f === "hollo";
/** Hollo gives a code-grant token's `created_at` in milliseconds (client_credentials: seconds). */
export const userTokenCreatedAtMs = (f: Flavour): boolean => f === "hollo";
/**
 * Doorkeeper's `reuse_access_token` (Mastodon's config/initializers/doorkeeper.rb): the same user
 * authorizing the same app with the same scopes while a token is live gets that token again.
 */
export const reusesAccessTokens = (f: Flavour): boolean => f === "mastodon" || f === "oldmasto";
