/**
 * One /auth request, read once: its URL, method and headers, the Cookie header, and the browser's
 * cookies opened at most once each (the session and the login slots, on first use). The login
 * flow's functions take this value and never the router's context (routes.ts is the only file that does).
 */
import type { Deps } from "../app/deps.ts";
import type { Session } from "../session/session.ts";
import { readSession } from "../session/store.ts";
import type { Slots } from "./login/slots.ts";
import { openSlots } from "./login/transaction.ts";

export interface AuthRequest {
  readonly raw: Request;
  readonly url: URL;
  readonly method: string;
  readonly headers: Headers;
  /** The Cookie header, read once. */
  readonly cookies: string | null;
  readonly deps: Deps;
  /** Work that outlives the answer (revocations). */
  readonly waitUntil: (promise: Promise<unknown>) => void;
  /** The session cookie, opened on first use (null: signed out). */
  session(): Promise<Session | null>;
  /** The login-cookie slots, each opened once on first use. */
  slots(): Promise<Slots>;
}

/** Reads `raw` once; nothing is decrypted until the flow asks. */
export function authRequest(raw: Request, deps: Deps, waitUntil: AuthRequest["waitUntil"]): AuthRequest {
  const cookies = raw.headers.get("cookie");
  let session: Promise<Session | null> | undefined;
  let slots: Promise<Slots> | undefined;
  return {
    raw,
    url: new URL(raw.url),
    method: raw.method,
    headers: raw.headers,
    cookies,
    deps,
    waitUntil,
    session: () => {
      session ??= readSession(cookies, deps.ring);
      return session;
    },
    slots: () => {
      slots ??= openSlots(cookies, deps.ring);
      return slots;
    },
  };
}
