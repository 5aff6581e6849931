// The floor for a proxy whose session is an encrypted cookie that the isolate cannot answer from
// memory: new-head.js, plus per request the least such a proxy must do before it can forward —
// find the session cookie, open its compact JWE (RFC 7516: `dir` + A256GCM, the header segment's
// ASCII as additional data) with one WebCrypto AES-GCM decrypt, and parse the plaintext's JSON.
// No memo: every request opens its cookie, as in the bench's 10,000-session workload. A cookie
// that is missing or does not open answers 500, so the bench counts it as an unexpected status.
const KEEP = new Set([
  "content-type",
  "content-length",
  "link",
  "etag",
  "x-ratelimit-limit",
  "x-ratelimit-remaining",
  "x-ratelimit-reset",
]);
const COOKIE = "__Host-fedi-bff-session=";
const BASE64URL = { alphabet: "base64url" };
const IV_BYTES = 12;
const TAG_BYTES = 16;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The first SESSION_KEYS key (base64url, 32 raw bytes), imported once per isolate. */
let sessionKey;
function keyOf(env) {
  if (sessionKey === undefined) {
    const raw = new Uint8Array(32);
    raw.setFromBase64(env.SESSION_KEYS.split(",")[0].trim(), BASE64URL);
    sessionKey = crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["decrypt"]);
  }
  return sessionKey;
}

/** The session cookie's value (indexOf, no full parse of the header), or undefined. */
function sessionCookie(header) {
  if (header === null) return undefined;
  const at = header.indexOf(COOKIE);
  if (at === -1) return undefined;
  const start = at + COOKIE.length;
  const end = header.indexOf(";", start);
  return header.slice(start, end === -1 ? undefined : end);
}

/** Opens a compact JWE as sealed by fedi-bff: header..iv.ciphertext.tag; throws if it does not open. */
async function openSession(sealed, env) {
  const [header, , iv64, cipher64, tag64, extra] = sealed.split(".");
  if (tag64 === undefined || extra !== undefined) throw new Error("not a compact JWE");
  const iv = new Uint8Array(IV_BYTES);
  iv.setFromBase64(iv64, BASE64URL);
  // WebCrypto takes the tag appended to the ciphertext.
  const cipherBytes = Math.floor((cipher64.length * 3) / 4);
  const data = new Uint8Array(cipherBytes + TAG_BYTES);
  data.subarray(0, cipherBytes).setFromBase64(cipher64, BASE64URL);
  data.subarray(cipherBytes).setFromBase64(tag64, BASE64URL);
  const plaintext = await crypto.subtle.decrypt(
    { name: "AES-GCM", iv, additionalData: encoder.encode(header), tagLength: TAG_BYTES * 8 },
    await keyOf(env),
    data,
  );
  return JSON.parse(decoder.decode(plaintext));
}

export default {
  async fetch(request, env) {
    const sealed = sessionCookie(request.headers.get("cookie"));
    try {
      if (sealed === undefined) throw new Error("no session cookie");
      await openSession(sealed, env);
    } catch {
      return new Response(null, { status: 500 });
    }
    const url = new URL(request.url);
    const upstream = await fetch(env.UPSTREAM + url.pathname + url.search, request);
    const headers = { "x-content-type-options": "nosniff", "cache-control": "private, no-store" };
    for (const [name, value] of upstream.headers) if (KEEP.has(name)) headers[name] = value;
    return new Response(upstream.body, { status: upstream.status, headers });
  },
};
