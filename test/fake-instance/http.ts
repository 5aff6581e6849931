import type { IncomingMessage, ServerResponse } from "node:http";
import type { Fault, Site, Token } from "./state.ts";

/** One request to a fake origin. */
export interface Ctx {
  req: IncomingMessage;
  res: ServerResponse;
  site: Site;
  method: string;
  path: string;
  url: URL;
  /** A fault that changes the answer rather than replacing it (drop_field, truncated_json). */
  fault?: Fault;
}

export type Body = Record<string, unknown>;
const MAX_BODY = 1 << 20;

/** The origin a request was meant for: x-fake-origin (via the outbound router) or the Host header. */
export function requestOrigin(req: IncomingMessage): string | undefined {
  const forwarded = req.headers["x-fake-origin"];
  const host = req.headers.host ?? "";
  // Loopback is the demo (plain http); any other name came from a Worker meaning https.
  const scheme = /^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/.test(host) ? "http" : "https";
  const raw = typeof forwarded === "string" ? forwarded : `${scheme}://${host}`;
  try {
    return new URL(raw).origin;
  } catch {
    return undefined;
  }
}

/** Reads a form-encoded or JSON body (never the query). Rails-style `key[]` form fields become arrays. */
export async function readBody(req: IncomingMessage): Promise<Body | "invalid"> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) return "invalid";
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString("utf8");
  const type = (req.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase();
  if (type === "application/json") {
    try {
      const parsed: unknown = JSON.parse(text || "{}");
      return parsed && typeof parsed === "object" && !Array.isArray(parsed) ? (parsed as Body) : "invalid";
    } catch {
      return "invalid";
    }
  }
  if (type !== "application/x-www-form-urlencoded") return {};
  const body: Body = {};
  for (const [key, value] of new URLSearchParams(text)) {
    if (key.endsWith("[]")) {
      const name = key.slice(0, -2);
      const list = Array.isArray(body[name]) ? (body[name] as unknown[]) : [];
      body[name] = [...list, value];
    } else body[key] = value;
  }
  return body;
}

/** A string field of a parsed body, or undefined. */
export const str = (body: Body, key: string): string | undefined =>
  typeof body[key] === "string" ? (body[key] as string) : undefined;

/** Sends JSON, applying a drop_field or truncated_json fault if one is active. */
export function sendJson(
  ctx: Ctx,
  status: number,
  value: unknown,
  headers: Record<string, string> = {},
): void {
  let payload = value;
  const fault = ctx.fault;
  if (fault?.kind === "drop_field" && fault.field && payload && typeof payload === "object") {
    const copy = { ...(payload as Record<string, unknown>) };
    delete copy[fault.field];
    payload = copy;
  }
  let text = JSON.stringify(payload);
  if (fault?.kind === "truncated_json") text = text.slice(0, Math.floor(text.length / 2));
  send(ctx, status, text, { "content-type": "application/json; charset=utf-8", ...headers });
}

/** Sends a complete text answer. */
export function send(ctx: Ctx, status: number, text: string, headers: Record<string, string> = {}): void {
  if (ctx.res.headersSent) return;
  ctx.res.writeHead(status, { "cache-control": "no-store", ...headers });
  ctx.res.end(text);
}

export const sendHtml = (ctx: Ctx, status: number, html: string): void =>
  send(ctx, status, html, { "content-type": "text/html; charset=utf-8" });

export function redirect(
  ctx: Ctx,
  status: number,
  location: string,
  headers: Record<string, string> = {},
): void {
  send(ctx, status, "", { location, ...headers });
}

export const notFound = (ctx: Ctx): void => sendJson(ctx, 404, { error: "Record not found" });

/** The bearer token from the Authorization header (or, for streaming, the access_token query). */
export function bearer(ctx: Ctx, allowQuery = false): string | undefined {
  const header = ctx.req.headers.authorization;
  const match = header ? /^Bearer\s+(.+)$/i.exec(header) : null;
  if (match?.[1]) return match[1].trim();
  return allowQuery ? (ctx.url.searchParams.get("access_token") ?? undefined) : undefined;
}

/** Mastodon's scope inheritance: `read` grants `read:statuses`. */
export function hasScope(token: Token, needed: string): boolean {
  const parent = needed.split(":")[0] ?? needed;
  return token.scopes.includes(needed) || token.scopes.includes(parent);
}

/** The cookie value for a name. */
export function cookie(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? "").split(";")) {
    const [k, ...v] = part.trim().split("=");
    if (k === name) return decodeURIComponent(v.join("="));
  }
  return undefined;
}
