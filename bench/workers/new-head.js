// The runtime's floor for any proxy that may not pass the instance's response head through: the
// pass-through Worker, plus a new Response whose head is an allow-list of the upstream's headers
// and two safety headers. fedi-bff must do at least this (the instance's Set-Cookie and CORS
// headers never reach the browser), so its throughput and CPU budgets are stated against this target.
const KEEP = new Set([
  "content-type",
  "content-length",
  "link",
  "etag",
  "x-ratelimit-limit",
  "x-ratelimit-remaining",
  "x-ratelimit-reset",
]);

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const upstream = await fetch(env.UPSTREAM + url.pathname + url.search, request);
    const headers = { "x-content-type-options": "nosniff", "cache-control": "private, no-store" };
    for (const [name, value] of upstream.headers) if (KEEP.has(name)) headers[name] = value;
    return new Response(upstream.body, { status: upstream.status, headers });
  },
};
