/**
 * Who may use the admin routes: the operator, holding ADMIN_TOKEN, sent as
 * `Authorization: Bearer <token>` (RFC 6750 §2.1) — never a query parameter, which ends up in
 * logs and browser history. Without ADMIN_TOKEN the routes do not exist (404); self-hosted, the
 * public listener marks its requests and answers 404 too, so they are reached on the loopback
 * admin listener only (selfhost/config.ts). The token is compared as SHA-256 digests in constant
 * time, so neither its characters nor its length leak through timing.
 */
import type { Config } from "../config/config.ts";
import { BffError } from "../errors.ts";

/**
 * The request header the self-hosted listeners set (workerd `injectRequestHeaders` replaces any
 * value a client sent): `public` on the public socket, `admin` on the loopback admin socket.
 */
export const LISTENER_HEADER = "x-fedi-bff-listener";

/** True on the self-hosted public listener, where no admin route exists. */
export function onPublicListener(request: Request): boolean {
  return request.headers.get(LISTENER_HEADER) === "public";
}

/** True on the self-hosted loopback admin listener. */
export function onAdminListener(request: Request): boolean {
  return request.headers.get(LISTENER_HEADER) === "admin";
}

/** Throws 404 when admin routes are off here, 401 without the right Bearer token. */
export async function assertOperator(request: Request, config: Pick<Config, "adminToken">): Promise<void> {
  if (config.adminToken === null || onPublicListener(request)) {
    throw new BffError("not_found", "No such route.");
  }
  if (!(await isOperator(request, config.adminToken))) {
    throw new BffError("not_authenticated", "The admin routes need `Authorization: Bearer <ADMIN_TOKEN>`.", {
      headers: { "www-authenticate": 'Bearer realm="fedi-bff admin"' },
    });
  }
}

/** True when the request carries the admin token (false without one configured). */
export async function isOperator(request: Request, adminToken: string | null): Promise<boolean> {
  if (adminToken === null || onPublicListener(request)) return false;
  const header = request.headers.get("authorization") ?? "";
  const match = /^Bearer +(\S+)$/i.exec(header);
  if (match === null) return false;
  const [given, expected] = await Promise.all([digest(match[1] as string), digest(adminToken)]);
  return crypto.subtle.timingSafeEqual(given, expected);
}

async function digest(text: string): Promise<ArrayBuffer> {
  return crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
}
