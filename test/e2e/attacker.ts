/**
 * A cross-site page for the e2e test: served on http://localhost:PORT, a different *site* from the
 * BFF on 127.0.0.1 (cookies ignore ports, so another port would be same-site).
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

export interface AttackerSite {
  readonly url: string;
  close(): Promise<void>;
}

export async function startAttackerSite(): Promise<AttackerSite> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" });
    res.end('<!doctype html><meta charset="utf-8"><title>Another site</title><h1>Another site</h1>');
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://localhost:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** What the cross-site page tries against the BFF; runs inside the browser (page.evaluate). */
export async function crossSiteAttempts(bff: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const body = () => new URLSearchParams({ status: "cross-site post" });
  const attempt = async (name: string, init: RequestInit) => {
    try {
      const res = await fetch(`${bff}/api/v1/statuses`, { method: "POST", credentials: "include", ...init });
      out[name] = `answered ${res.type} ${res.status}`;
    } catch (error) {
      out[name] = `failed: ${String(error)}`;
    }
  };
  // A "simple" request: no preflight, so it reaches the BFF, which must refuse it.
  await attempt("fetch", { body: body() });
  // With the CSRF header: the browser must ask first (preflight), and the BFF must say no.
  await attempt("fetchWithCsrfHeader", { body: body(), headers: { "X-CSRF": "1" } });
  // no-cors hides the answer from the page, but the request is still sent: must change nothing.
  await attempt("noCors", { body: body(), mode: "no-cors" });
  out.websocket = await new Promise<string>((resolve) => {
    const socket = new WebSocket(`${bff.replace(/^http/, "ws")}/api/v1/streaming?stream=user`);
    socket.onopen = () => {
      socket.close();
      resolve("open");
    };
    socket.onerror = () => resolve("error");
    setTimeout(() => resolve("timeout"), 5000);
  });
  return out;
}
