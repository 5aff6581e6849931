import { fetch as miniflareFetch } from "miniflare";

/** Routes a Worker's outbound request to the fake server on loopback, keeping the original origin. */
export async function routeOutbound(request: Request, port: number): Promise<Response> {
  const url = new URL(request.url);
  const target = `http://127.0.0.1:${port}${url.pathname}${url.search}`;
  const headers = new Headers(request.headers);
  headers.set("x-fake-origin", url.origin);
  // biome-ignore lint/suspicious/noExplicitAny: miniflare's undici types differ from the DOM ones.
  const init: any = {
    method: request.method,
    headers,
    body: request.body,
    redirect: "manual",
    duplex: "half",
  };
  return (await miniflareFetch(target, init)) as unknown as Response;
}
