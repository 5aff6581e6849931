/**
 * The one host check every outbound request passes (SSRF guard). It never touches the network: on
 * Cloudflare `global_fetch_strictly_public` does not block private addresses and under miniflare
 * everything is reachable, so refusing IP literals, internal names and odd spellings here is the
 * only guard (docs/security.md). Hosts come out canonical: lower-case ASCII, punycode, no trailing dot.
 */
import { BffError, type ErrorCode } from "../errors.ts";

export interface HostPolicy {
  /** Dev only: "host[:port]" entries (lower-case) that may be reached over http:// and on loopback/private addresses. Empty in production. */
  readonly insecureHosts: ReadonlySet<string>;
  /** INSTANCE_ALLOWLIST: when non-empty, every host contacted for a user must match (instance/policy.ts). */
  readonly allow?: readonly HostPattern[];
  /** INSTANCE_DENYLIST: no host contacted for a user may match. */
  readonly deny?: readonly HostPattern[];
}

/** One allow/deny list entry: an exact canonical host, or any subdomain of `value` (`*.value`). */
export type HostPattern = { readonly kind: "exact" | "suffix"; readonly value: string };

export interface InstanceOrigin {
  /** Canonical host: lower-case, punycode (IDN → xn--), no trailing dot; ":port" only for an insecure-allowed entry that has one. */
  readonly host: string;
  /** "https://" + host, or "http://" + host for insecure-allowed entries. */
  readonly origin: string;
}

/** Special-use and private-network suffixes (RFC 6761, 6762, 7686, 8375, 9476, ICANN .internal, common LAN habits). */
export const RESERVED_SUFFIXES: readonly string[] =
  `local internal localhost arpa onion test invalid example alt
  lan intranet corp home localdomain private`.split(/\s+/);
/** Public wildcard-DNS services that map names such as 127.0.0.1.nip.io to any (private) address. */
export const LOOPBACK_DNS_SERVICES: readonly string[] =
  "nip.io sslip.io xip.io traefik.me localtest.me lvh.me vcap.me".split(" ");

/** True when `host` is, or is under, a reserved suffix or a wildcard-DNS service. */
export function isReservedName(host: string): boolean {
  return reservedSuffixOf(host) !== undefined;
}

/** The reserved suffix `host` is or ends in, if any. */
function reservedSuffixOf(host: string): string | undefined {
  return [...RESERVED_SUFFIXES, ...LOOPBACK_DNS_SERVICES].find((s) => host === s || host.endsWith(`.${s}`));
}

/**
 * Control, whitespace, invisible (default-ignorable: IDNA silently drops them, so they hide text
 * from humans and logs) and unassigned characters; `%` and `\` (parsers decode or flip them).
 */
const FORBIDDEN_IN_HOST = /[\p{C}\p{Z}\p{Default_Ignorable_Code_Point}\s%\\]/u;
/** The same minus `%`, which is legitimate in paths. */
const FORBIDDEN_IN_URL = /[\p{C}\p{Z}\p{Default_Ignorable_Code_Point}\s\\]/u;
const SCHEME_PREFIX = /^([a-z][a-z0-9+.-]*):\/\//i;
const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const MAX_INPUT_LENGTH = 512;
const MAX_URL_LENGTH = 4096;

/** Thrown by the internal steps; turned into a BffError with the caller's code and the quoted input. */
class HostRefusal extends Error {}

function refuse(reason: string): never {
  throw new HostRefusal(reason);
}

const DEV_HINT = " (a development server: name it in ALLOW_INSECURE_INSTANCES, with ENVIRONMENT=development)";

/** User input (the `instance` query param) → canonical public instance, or throws BffError("invalid_instance"). */
export function parseInstance(input: string, policy: HostPolicy): InstanceOrigin {
  try {
    return canonicalInstance(input, policy);
  } catch (error) {
    if (!(error instanceof HostRefusal)) throw error;
    throw new BffError("invalid_instance", `instance ${quote(input)} is not accepted: ${error.message}`);
  }
}

function canonicalInstance(input: string, policy: HostPolicy): InstanceOrigin {
  if (typeof input !== "string") refuse("expected a string");
  // Only plain spaces are trimmed: a stray TAB/CR/LF is refused below rather than silently dropped.
  const text = input.replace(/^ +| +$/g, "");
  if (text === "") refuse("it is empty; give a server's domain name, e.g. mastodon.social");
  if (text.length > MAX_INPUT_LENGTH) refuse("it is far too long for a host name");
  if (FORBIDDEN_IN_HOST.test(text)) {
    refuse("it contains whitespace, control, invisible, percent-encoded or backslash characters");
  }
  const { scheme, authority } = splitScheme(text);
  const { hostname, port } = splitAuthority(authority);
  const host = normalizeHostname(hostname);
  const key = port === undefined ? host : `${host}:${port}`;
  // ALLOW_INSECURE_INSTANCES (development only): listed hosts may use http and loopback; nothing
  // else about them relaxes.
  if (policy.insecureHosts.has(key)) return { host: key, origin: `${scheme ?? "http:"}//${key}` };
  // A local test server is the usual reason for either: say which setting allows one.
  if (scheme === "http:") refuse(`only https:// is allowed${DEV_HINT}`);
  if (port !== undefined) refuse(`a port is not allowed; give the domain name only${DEV_HINT}`);
  checkPublicDomain(host);
  return { host, origin: `https://${host}` };
}

/** Accepts an optional https:// (or http://) prefix and one trailing slash; nothing else beyond the host. */
function splitScheme(text: string): { scheme: string | undefined; authority: string } {
  const match = SCHEME_PREFIX.exec(text);
  const scheme = match?.[1] === undefined ? undefined : `${match[1].toLowerCase()}:`;
  if (scheme !== undefined && scheme !== "https:" && scheme !== "http:")
    refuse(`the scheme ${scheme} is not https:`);
  let authority = match === null ? text : text.slice(match[0].length);
  if (authority.endsWith("/")) authority = authority.slice(0, -1);
  // a@b reaches b while looking like a: refuse user info outright.
  if (authority.includes("@")) refuse("user info (@) is not allowed");
  if (/[/?#]/.test(authority)) refuse("only a host name is allowed, without path, query or fragment");
  return { scheme, authority };
}

function splitAuthority(authority: string): { hostname: string; port: string | undefined } {
  // Bracketed hosts are IPv6 literals ([::1], [::ffff:127.0.0.1], zone ids): never an instance.
  if (authority.startsWith("[")) refuse("IP addresses are not allowed; give the server's domain name");
  const colon = authority.indexOf(":");
  if (colon === -1) return { hostname: authority, port: undefined };
  const port = authority.slice(colon + 1);
  if (!/^\d{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65_535)
    refuse(`invalid port ${quote(port)}`);
  return { hostname: authority.slice(0, colon), port: String(Number(port)) };
}

/**
 * The WHATWG host parser does the lower-casing, IDNA mapping (bücher → xn--bcher-kva, fullwidth
 * forms → ASCII) and turns every numeric IPv4 spelling (2130706433, 0177.0.0.1, 0x7f.1, 127.1)
 * into dotted form, so the checks after it see one spelling per address.
 */
function normalizeHostname(hostname: string): string {
  if (hostname === "") refuse("the host name is empty");
  let url: URL;
  try {
    url = new URL(`https://${hostname}/`);
  } catch {
    refuse("it is not a valid host name");
  }
  // Our own split already excluded these; a mismatch means the parsers disagree, so fail closed.
  if (
    url.port !== "" ||
    url.username !== "" ||
    url.password !== "" ||
    url.pathname !== "/" ||
    url.search !== ""
  ) {
    refuse("it is not a plain host name");
  }
  return url.hostname.endsWith(".") ? url.hostname.slice(0, -1) : url.hostname;
}

/** Refuses anything that is not a multi-label public DNS name (RFC 1035 §2.3.4 lengths, RFC 1123 labels). */
function checkPublicDomain(host: string): void {
  if (host.length > 253) refuse("the host name is longer than 253 characters");
  const labels = host.split(".");
  const tld = labels[labels.length - 1] ?? "";
  // After URL normalization a numeric last label means an IPv4 address (WHATWG "ends in a number").
  if (/^(?:\d+|0x[0-9a-f]*)$/.test(tld))
    refuse("IP addresses are not allowed; give the server's domain name");
  if (labels.length < 2) refuse("single-label names (localhost, intranet hosts) are not allowed");
  for (const label of labels) {
    if (label === "") refuse("the host name has an empty label (..)");
    if (label.length > 63) refuse("a label of the host name is longer than 63 characters");
    if (!LABEL.test(label)) refuse(`the label "${label}" may only hold a-z, 0-9 and inner hyphens`);
    if (label.startsWith("xn--") && !isValidALabel(label))
      refuse(`the label "${label}" is not valid punycode`);
  }
  if (!/^(?:[a-z]{2,63}|xn--[a-z0-9-]+)$/.test(tld)) refuse(`"${tld}" is not a top-level domain`);
  const reserved = reservedSuffixOf(host);
  if (reserved !== undefined) refuse(`.${reserved} names are internal or resolve to private addresses`);
}

/** An xn-- label is valid only if it decodes and the URL parser encodes the result back to it. */
function isValidALabel(label: string): boolean {
  const decoded = decodePunycode(label.slice(4));
  if (decoded === null || decoded === "") return false;
  try {
    return new URL(`https://${decoded}/`).hostname === label;
  } catch {
    return false;
  }
}

// RFC 3492 §6.2 decoding; URL parsers in workerd/Node accept undecodable xn-- labels as they are.
const BASE = 36;
const T_MIN = 1;
const T_MAX = 26;

function decodePunycode(input: string): string | null {
  const delimiter = input.lastIndexOf("-");
  const output = delimiter > 0 ? [...input.slice(0, delimiter)].map((c) => c.charCodeAt(0)) : [];
  let [n, i, bias] = [128, 0, 72];
  for (let pos = delimiter > 0 ? delimiter + 1 : 0; pos < input.length; ) {
    const oldI = i;
    for (let w = 1, k = BASE; ; k += BASE) {
      const digit = punycodeDigit(input.charCodeAt(pos++));
      if (digit < 0 || i + digit * w > 0x7fffffff) return null;
      i += digit * w;
      const t = k <= bias ? T_MIN : k >= bias + T_MAX ? T_MAX : k - bias;
      if (digit < t) break;
      w *= BASE - t;
    }
    bias = adaptBias(i - oldI, output.length + 1, oldI === 0);
    n += Math.floor(i / (output.length + 1));
    i %= output.length + 1;
    if (n > 0x10ffff) return null;
    output.splice(i++, 0, n);
  }
  return String.fromCodePoint(...output);
}

/** a-z → 0-25, 0-9 → 26-35; anything else (including reading past the end: NaN) → -1. */
function punycodeDigit(code: number): number {
  if (code >= 0x61 && code <= 0x7a) return code - 0x61;
  if (code >= 0x30 && code <= 0x39) return code - 22;
  return -1;
}

function adaptBias(delta: number, points: number, first: boolean): number {
  let d = first ? Math.floor(delta / 700) : delta >> 1;
  d += Math.floor(d / points);
  let k = 0;
  for (; d > ((BASE - T_MIN) * T_MAX) >> 1; k += BASE) d = Math.floor(d / (BASE - T_MIN));
  return k + Math.floor(((BASE - T_MIN + 1) * d) / (d + 38));
}

/**
 * A URL found in an upstream document (metadata, streaming URL, WebFinger/host-meta links,
 * redirects): absolute, scheme in `schemes` (default https:; the http:/ws: equivalent only for
 * insecure-allowed hosts), no userinfo, no fragment, host passing the same check as parseInstance.
 */
export function checkUpstreamUrl(
  url: string,
  policy: HostPolicy,
  options: { schemes?: readonly string[]; code?: ErrorCode } = {},
): URL {
  try {
    return upstreamUrl(url, policy, options.schemes ?? ["https:"]);
  } catch (error) {
    if (!(error instanceof HostRefusal)) throw error;
    const code = options.code ?? "invalid_upstream_response";
    // The query is left out of the message: it may carry a code or token.
    const shown = quote(typeof url === "string" ? url.split(/[?#]/)[0] : url);
    throw new BffError(code, `the instance sent the URL ${shown}, which is refused: ${error.message}`);
  }
}

const INSECURE_EQUIVALENT: Readonly<Record<string, string>> = { "https:": "http:", "wss:": "ws:" };

function upstreamUrl(raw: string, policy: HostPolicy, schemes: readonly string[]): URL {
  if (typeof raw !== "string" || raw.length > MAX_URL_LENGTH) refuse("it is not a string of sensible length");
  // WHATWG parsing silently drops TAB/CR/LF and reads \ as /: refuse rather than guess.
  if (FORBIDDEN_IN_URL.test(raw)) refuse("it contains whitespace, control characters or backslashes");
  if (raw.includes("#")) refuse("a fragment is not allowed");
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    refuse("it is not an absolute URL");
  }
  if (url.username !== "" || url.password !== "") refuse("user info is not allowed");
  const secure = schemes.includes(url.protocol);
  if (!secure && !schemes.some((s) => INSECURE_EQUIVALENT[s] === url.protocol)) {
    refuse(`the scheme ${url.protocol} is not one of ${schemes.join(" ")}`);
  }
  const instance = canonicalInstance(url.host, policy);
  // "mastodon.social." fetches the same server but is another origin: keep one spelling per host.
  if (instance.host !== url.host) refuse(`the host ${url.host} is not in canonical form`);
  if (!secure && !policy.insecureHosts.has(instance.host)) {
    refuse(`${url.protocol} is allowed only for insecure dev hosts (ALLOW_INSECURE_INSTANCES)`);
  }
  return url;
}

/** True when `url` is on exactly `origin` (scheme, host, port). */
export function isSameOrigin(url: URL, origin: string): boolean {
  // Opaque origins (data:, blob:, file:) all serialize as "null"; never equal to anything.
  if (url.origin === "null") return false;
  try {
    return url.origin === new URL(origin).origin;
  } catch {
    return false;
  }
}

/** The bad input for an error message: truncated, non-printable characters escaped (log/terminal safety). */
function quote(value: unknown): string {
  const text = typeof value === "string" ? value : String(typeof value);
  const short = text.length > 80 ? `${text.slice(0, 80)}…` : text;
  return JSON.stringify(short).replace(
    /[^\x20-\x7e]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}
