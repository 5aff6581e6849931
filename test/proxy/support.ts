import { SELF } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { expect } from "vitest";
import type { Env } from "../../src/config/env.ts";
import { asAppStart, BFF, bff, type CookieJar, fullLogin, send } from "../helpers/bff.ts";
import { type FakeRequest, type Flavour, fakeState, uniqueHost } from "../helpers/fake.ts";

export { BFF };

export interface SignedIn {
  readonly host: string;
  readonly origin: string;
  readonly jar: CookieJar;
}

/** A browser signed in to a fresh fake instance (the account becomes the active one). */
export async function signedIn(
  flavour: Flavour = "mastodon",
  jar?: CookieJar,
  user = "alice",
): Promise<SignedIn> {
  const host = uniqueHost(flavour);
  const login = await fullLogin(host, { user, ...(jar ? { jar } : {}) });
  expect(login.callback.status).toBe(302);
  return { host, origin: `https://${host}`, jar: login.jar };
}

/** An API call as the application makes it: session cookie and `X-CSRF: 1`. */
export function api(path: string, jar: CookieJar, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (!headers.has("x-csrf")) headers.set("x-csrf", "1");
  return bff(path, { ...init, headers, jar });
}

/** The fake's log of requests for `path` (optionally one method). */
export async function seen(host: string, path: string, method?: string): Promise<FakeRequest[]> {
  const state = await fakeState(host);
  return state.requests.filter((r) => r.path === path && (method === undefined || r.method === method));
}

/** The session's account keys, active first is not implied: `{ active, keys }`. */
export async function sessionKeys(jar: CookieJar): Promise<{ active: string; keys: string[] }> {
  const res = await bff("/auth/session", { jar });
  const body = (await res.json()) as { active: string; accounts: { key: string }[] };
  return { active: body.active, keys: body.accounts.map((a) => a.key) };
}

/**
 * One jar signed in twice: alice on a new `flavour` instance, then bob on a new Mastodon one; with
 * each account's key (`<id>@<instance>`, as X-Account names it).
 */
export async function signedInTwice(flavour: Flavour = "mastodon") {
  const first = await signedIn(flavour);
  const second = await signedIn("mastodon", first.jar, "bob");
  const { keys } = await sessionKeys(first.jar);
  const keyOf = (host: string) => keys.find((k) => k.endsWith(`@${host}`)) ?? "";
  return { first, second, firstKey: keyOf(first.host), secondKey: keyOf(second.host) };
}

/** The app with env overrides: requests go straight to its fetch handler, like the Worker's. */
export function appWith(overrides: Partial<Env>, base: Env = env as Env) {
  const modified = { ...base, ...overrides } as Env;
  return (request: Request): Promise<Response> => send(request, { env: modified, settle: false });
}

/** A library handler (`handler`) with env overrides: requests built in code go straight to it. */
export function handlerWith(handler: Handler, overrides: Partial<Env>, base: Env = env as Env) {
  const modified = { ...base, ...overrides } as Env;
  return (request: Request): Promise<Response> => send(request, { env: modified, handler, settle: false });
}

type Handler = { fetch(request: Request, env: Env, ctx: ExecutionContext): Response | Promise<Response> };

/**
 * An API call sent through the runtime to the standalone Worker (its own `fetch` entry, as a
 * browser's request reaches it): the Worker gets the runtime's own Request, whose body the runtime
 * framed and knows the length of. A body is bytes, or a stream of known length (FixedLengthStream).
 */
export function apiFromRuntime(path: string, jar: CookieJar, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (!headers.has("x-csrf")) headers.set("x-csrf", "1");
  headers.set("cookie", jar.header());
  return SELF.fetch(new URL(path, BFF), { ...init, headers, redirect: "manual" });
}

/** Builds a BFF request with the jar's cookie. */
export function bffRequest(path: string, jar: CookieJar | null, init: RequestInit = {}): Request {
  const headers = new Headers(init.headers);
  if (jar !== null && jar.cookies.size > 0) headers.set("cookie", jar.header());
  if (path.startsWith("/auth/login")) asAppStart(headers);
  return new Request(new URL(path, BFF), { ...init, headers, redirect: "manual" });
}

/** A streamed text body read step by step; a read cut short by a deadline is kept for the next step. */
export class TextStream {
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  private readonly decoder = new TextDecoder();
  private pending: Promise<ReadableStreamReadResult<Uint8Array>> | null = null;
  private ended = false;

  constructor(body: ReadableStream<Uint8Array> | null) {
    if (body === null) throw new Error("no body to read");
    this.reader = body.getReader();
  }

  /** Reads until `done(text)` holds for the text read in this step, the body ends, or `ms` pass. */
  async until(done: (text: string) => boolean, ms: number): Promise<string> {
    let text = "";
    const deadline = Date.now() + ms;
    while (!this.ended && !done(text)) {
      const left = deadline - Date.now();
      if (left <= 0) break;
      this.pending ??= this.reader.read();
      const timeout = new Promise<null>((resolve) => setTimeout(() => resolve(null), left));
      const chunk = await Promise.race([this.pending, timeout]);
      if (chunk === null) break;
      this.pending = null;
      if (chunk.done) this.ended = true;
      else text += this.decoder.decode(chunk.value, { stream: true });
    }
    return text;
  }

  cancel(): Promise<void> {
    return this.reader.cancel();
  }
}

/** The env with every binding (KV, Durable Objects, rate limiter) wrapped to record each call. */
export function countedEnv(base: Env = env as Env): { env: Env; calls: string[] } {
  const calls: string[] = [];
  const wrap = (name: string, binding: object): object =>
    new Proxy(binding, {
      get(target, prop) {
        const value = Reflect.get(target, prop, target);
        if (typeof value !== "function") return value;
        return (...args: unknown[]) => {
          calls.push(`${name}.${String(prop)}`);
          return value.apply(target, args);
        };
      },
    });
  const wrapped: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(base)) {
    wrapped[name] = typeof value === "object" && value !== null ? wrap(name, value) : value;
  }
  return { env: wrapped as unknown as Env, calls };
}
