/**
 * Drives fedi-bff like a browser would: a cookie jar, the BFF's public origin, and the whole login
 * flow against the fake instance (`approve` plays the user on the instance's consent page).
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { expect } from "vitest";
import type { Env } from "../../src/config/env.ts";
import worker from "../../src/index.ts";
import { CookieJar } from "./cookie-jar.ts";
import { approve } from "./fake.ts";

export { CookieJar };

export const BFF = "https://bff.example.com";

/**
 * The one way tests call fedi-bff: a request to the Worker's fetch handler with the jar's cookies
 * (and the cookies it sets stored back), optional env overrides (the config is read per env
 * object), and work sent to waitUntil finished before it returns (`send` is the same call for a
 * Request built by the test).
 */
export async function bff(path: string, init: BffInit = {}): Promise<Response> {
  const { jar, env: overrides, handler, ...rest } = init;
  const headers = new Headers(rest.headers);
  if (jar && jar.cookies.size > 0 && !headers.has("cookie")) headers.set("cookie", jar.header());
  // Each request from its own address unless a test names one: the login rate limit is per IP.
  if (!headers.has("cf-connecting-ip")) headers.set("cf-connecting-ip", randomIp());
  if (path.startsWith("/auth/login")) asAppStart(headers);
  const request = new Request(new URL(path, BFF), { ...rest, headers, redirect: "manual" });
  const res = await send(request, { env: overrides, handler });
  jar?.store(res);
  return res;
}

export type BffInit = RequestInit & {
  jar?: CookieJar;
  env?: Partial<Env>;
  /** Another fedi-bff handler (the library's) instead of the standalone Worker. */
  handler?: Handler;
};

type Handler = { fetch(request: Request, env: Env, ctx: ExecutionContext): Response | Promise<Response> };

/**
 * Sends a request as it is to the Worker (or `handler`) with env overrides. By default work sent
 * to waitUntil is finished first; `settle: false` answers at once (a stream that stays open).
 */
export async function send(
  request: Request,
  options: { env?: Partial<Env>; handler?: Handler | undefined; settle?: boolean } = {},
): Promise<Response> {
  const ctx = createExecutionContext();
  const target = options.handler ?? worker;
  const res = await target.fetch(request, { ...(env as Env), ...options.env } as Env, ctx);
  if (options.settle !== false) await waitOnExecutionContext(ctx);
  return res;
}

/** Asserts the exact status and error code (and no-store) of one of fedi-bff's JSON errors. */
export async function expectError(res: Response, status: number, code: string): Promise<void> {
  const body = (await res.json()) as { error?: unknown; error_description?: unknown };
  expect({ status: res.status, error: body.error }).toEqual({ status, error: code });
  expect(typeof body.error_description).toBe("string");
  expect(res.headers.get("cache-control")).toMatch(/no-store/);
}

export interface LoginOptions {
  readonly user?: string;
  readonly returnTo?: string;
  readonly jar?: CookieJar;
  readonly akkomaSession?: boolean;
}

/** How the app itself starts a login (the browser client sends `X-CSRF: 1`). */
export const APP_START = { "x-csrf": "1" } as const;

/**
 * A login start that says nothing of who started it is sent as the app sends it (`X-CSRF: 1`);
 * a test that plays a browser's navigation, image or form names its Fetch Metadata, Origin or
 * Accept, and is sent exactly so.
 */
export function asAppStart(headers: Headers): void {
  const says = ["x-csrf", "origin", "sec-fetch-dest", "sec-fetch-site"].some((name) => headers.has(name));
  if (!says && !(headers.get("accept") ?? "").includes("text/html")) headers.set("x-csrf", "1");
}

/** Starts a login as the app does; returns the authorize URL the BFF redirected to. */
export async function startLogin(instance: string, jar: CookieJar, returnTo?: string): Promise<URL> {
  const query = new URLSearchParams({ instance });
  if (returnTo !== undefined) query.set("return_to", returnTo);
  const res = await bff(`/auth/login?${query}`, { jar, headers: APP_START });
  if (res.status !== 302) throw new Error(`login start: ${res.status} ${await res.text()}`);
  return new URL(res.headers.get("location") ?? "");
}

/** The whole flow; returns the jar (signed in) and the callback's response. */
export async function fullLogin(instance: string, options: LoginOptions = {}) {
  const jar = options.jar ?? new CookieJar();
  const authorize = await startLogin(instance, jar, options.returnTo);
  const back = await approve(authorize.href, {
    user: options.user ?? "alice",
    akkomaSession: options.akkomaSession,
  });
  const callback = await bff(back.pathname + back.search, { jar });
  return { jar, authorize, callback };
}

/**
 * Two tabs of one browser finishing their logins at the same moment: both callbacks leave with the
 * cookies the browser holds now, and the browser keeps the session it was given last (`second`'s).
 */
export async function finishTogether(jar: CookieJar, first: URL, second: URL): Promise<[Response, Response]> {
  const cookie = jar.header();
  const callback = (back: URL) => bff(back.pathname + back.search, { headers: { cookie } });
  const done = await Promise.all([callback(first), callback(second)]);
  jar.store(done[0]);
  jar.store(done[1]);
  return done;
}

export function randomIp(): string {
  const [a = 0, b = 0, c = 0] = crypto.getRandomValues(new Uint8Array(3));
  return `198.${a}.${b}.${c}`;
}
