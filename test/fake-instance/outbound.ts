/**
 * The outbound router: every request the Worker (and the tests) make leaves workerd through a
 * second, tiny Worker that fetches the fake server on loopback, naming the original origin in
 * `x-fake-origin`. Being a Worker, it hands on exactly what the runtime sent and got back: a body
 * of known length keeps its Content-Length and a streamed one stays chunked (snac never answers
 * those), a WebSocket upgrade stays an upgrade, and a connection the fake drops before answering
 * reaches the caller as a rejected fetch ("Network connection lost"), as on Cloudflare — a router
 * in Node would turn it into a 500 answer from "the instance".
 */

/** The router's fetch handler; serialized into the router Worker, so it must use no imports. */
async function route(request: Request, env: { FAKE_PORT: string }): Promise<Response> {
  const url = new URL(request.url);
  const headers = new Headers(request.headers);
  headers.set("x-fake-origin", url.origin);
  const target = `http://127.0.0.1:${env.FAKE_PORT}${url.pathname}${url.search}`;
  return fetch(target, { method: request.method, headers, body: request.body, redirect: "manual" });
}

/** Miniflare options for the router Worker; `outboundService: OUTBOUND_ROUTER` sends traffic there. */
export function outboundRouter(port: number) {
  return {
    name: OUTBOUND_ROUTER,
    modules: true,
    compatibilityDate: "2026-11-01",
    script: `export default { fetch: ${route.toString()} };`,
    bindings: { FAKE_PORT: String(port) },
  };
}

export const OUTBOUND_ROUTER = "fake-instance-router";
