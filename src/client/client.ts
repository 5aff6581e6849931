/**
 * The browser client: every call goes to fedi-bff with the session cookie and `X-CSRF: 1` (the
 * header fedi-bff requires of API calls; a foreign page cannot send it without a CORS preflight,
 * which fedi-bff refuses), and every failure becomes a `FediBffError` carrying fedi-bff's code.
 * The page never holds a token: the session is an HttpOnly cookie only fedi-bff reads.
 */
import type { ErrorCode } from "../error-codes.ts";
import { errorFrom, type FediBffError, isErrorCode } from "./error.ts";
import { type PageLinks, parseLinks } from "./links.ts";
import {
  type AuthorizeAnswer,
  type AuthWarning,
  type LogoutResult,
  REVOKE_HEADER,
  type Session,
} from "./types.ts";

export interface ClientOptions {
  /**
   * fedi-bff's origin; default: the page's own. Another origin of the same site works when it is
   * on fedi-bff's FRONTEND_ORIGINS (cookies are SameSite=Lax: another site cannot use fedi-bff).
   */
  readonly baseUrl?: string;
  /** The fetch to use; default: the global one. */
  readonly fetch?: (url: string, init: BrowserRequestInit) => Promise<Response>;
  /** How `login` leaves the page for the instance; default: `location.assign`. */
  readonly navigate?: (url: string) => void;
  /**
   * Called before a call rejects because an account's sign-in ended on its instance (`code`
   * `session_revoked` or `reauth_required`; `error.account` names it, and it has already left the
   * session): the place to send the user to sign in again. The call still rejects.
   */
  readonly onSignInEnded?: (error: FediBffError) => void;
}

/** A request's options as a browser reads them (the Workers types leave out `credentials`). */
export type BrowserRequestInit = RequestInit & { credentials?: "include" | "same-origin" | "omit" };

/** Whom to log in: an instance host, or a handle (`@alice@example.org`) found through WebFinger. */
export type LoginTarget = { readonly instance?: string } | { readonly handle: string };

export interface LoginOptions {
  /**
   * Where fedi-bff sends the browser back: a path on fedi-bff's origin, or an absolute URL on one
   * of its FRONTEND_ORIGINS. Default: the page the login starts from.
   */
  readonly returnTo?: string;
}

export interface ApiInit extends BrowserRequestInit {
  /** Another account of the session for this call (its `key`), sent as `X-Account`. */
  readonly account?: string;
}

/** One page of a list endpoint with its `next`/`prev` pages (pass them to `page` again). */
export interface Page<T> extends PageLinks {
  readonly items: T[];
}

export interface FediBffClient {
  /** fedi-bff's origin. */
  readonly origin: string;
  /**
   * Starts a login: fedi-bff checks the instance (or resolves the handle) and answers with the
   * instance's authorize URL, where the browser is sent. Resolves with that URL as it navigates;
   * rejects with a `FediBffError` (e.g. `invalid_instance`) before leaving the page.
   */
  login(target?: LoginTarget, options?: LoginOptions): Promise<string>;
  /** Who is signed in, or null when nobody is. */
  session(): Promise<Session | null>;
  /** Logs out the active account (`all`: every account); its token is revoked on the instance. */
  logout(options?: { readonly all?: boolean }): Promise<LogoutResult>;
  /** Makes another account of the session the active one (its `key` from `session()`). */
  switchAccount(key: string): Promise<void>;
  /** A Mastodon API call through fedi-bff (`/api/v1/…`, or a URL `page` returned); non-2xx rejects. */
  api(path: string, init?: ApiInit): Promise<Response>;
  /** A list endpoint's page as JSON, with its next and previous pages from the `Link` header. */
  page<T>(path: string, init?: ApiInit): Promise<Page<T>>;
  /** The streaming API's WebSocket URL on fedi-bff, e.g. `{ stream: "user" }`. */
  streamingUrl(query: Record<string, string>): string;
}

/** The page's location, where there is one; typed here so the client needs no DOM types. */
interface PageLocation {
  readonly href: string;
  readonly origin: string;
  assign(url: string): void;
}

const here = () => (globalThis as unknown as { location?: PageLocation }).location;

export function createClient(options: ClientOptions = {}): FediBffClient {
  const base = options.baseUrl ?? here()?.origin;
  if (base === undefined) throw new TypeError("fedi-bff client: baseUrl is required outside a page");
  const origin = new URL(base).origin;
  const send = options.fetch ?? ((url: string, init: BrowserRequestInit) => fetch(url, init));
  const navigate = options.navigate ?? ((url: string) => here()?.assign(url));

  /** Calls fedi-bff (and fedi-bff only) with the cookie and `X-CSRF: 1`; non-2xx rejects. */
  async function call(path: string, init: ApiInit = {}): Promise<Response> {
    const { account, ...rest } = init;
    const url = new URL(path, origin);
    if (url.origin !== origin) throw new TypeError(`fedi-bff client: ${url.origin} is not fedi-bff`);
    const headers = new Headers(rest.headers);
    headers.set("X-CSRF", "1");
    if (!headers.has("Accept")) headers.set("Accept", "application/json");
    if (account !== undefined) headers.set("X-Account", account);
    // `include`: a frontend on another origin of the site sends the cookie too (CORS, FRONTEND_ORIGINS).
    const res = await send(url.href, { ...rest, headers, credentials: "include" });
    if (!res.ok) {
      const error = await errorFrom(res);
      if (error.code === "session_revoked" || error.code === "reauth_required")
        options.onSignInEnded?.(error);
      throw error;
    }
    return res;
  }

  return {
    origin,
    async login(target = {}, { returnTo = defaultReturnTo(origin) } = {}) {
      const form = new URLSearchParams({ return_to: returnTo });
      // A handle always reaches fedi-bff as one: `@user@domain` is never read as a host.
      const name = "handle" in target ? `@${target.handle.trim().replace(/^@/, "")}` : target.instance;
      if (name) form.set("instance", name.trim());
      const res = await call("/auth/login", { method: "POST", body: form });
      const { authorize_url: url } = (await res.json()) as AuthorizeAnswer;
      if (!/^https?:\/\//i.test(url)) throw new TypeError("fedi-bff client: not an authorize URL");
      navigate(url);
      return url;
    },
    async session() {
      // A refused account (its instance now excluded) has left the cookie: ask once more.
      for (let attempt = 0; ; attempt++) {
        try {
          return (await (await call("/auth/session")).json()) as Session;
        } catch (error) {
          const code = (error as { code?: unknown }).code;
          if (code === "not_authenticated") return null;
          if (code !== "instance_not_allowed" || attempt > 0) throw error;
        }
      }
    },
    async logout({ all = false } = {}) {
      const res = await call(all ? "/auth/logout?all=1" : "/auth/logout", { method: "POST" });
      const revoke = res.headers.get(REVOKE_HEADER);
      return { revoke: revoke === "retrying" || revoke === "failed" ? revoke : "done" };
    },
    async switchAccount(key) {
      const body = JSON.stringify({ account: key });
      await call("/auth/switch", { method: "POST", body, headers: { "Content-Type": "application/json" } });
    },
    api: call,
    async page<T>(path: string, init?: ApiInit): Promise<Page<T>> {
      const res = await call(path, init);
      const links = parseLinks(res.headers.get("Link"), origin);
      return { items: (await res.json()) as T[], ...links };
    },
    streamingUrl(query) {
      const url = new URL(`/api/v1/streaming?${new URLSearchParams(query)}`, origin);
      url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
      return url.href;
    },
  };
}

/** The page the login starts from, without a previous login's result; "/" outside a page. */
function defaultReturnTo(origin: string): string {
  const page = here();
  if (page === undefined) return "/";
  const url = new URL(page.href);
  url.searchParams.delete("auth_error");
  url.searchParams.delete("auth_warning");
  return url.origin === origin ? url.pathname + url.search + url.hash : url.href;
}

/** What the login that came back to `url` left there: `?auth_error=` and `?auth_warning=`. */
export interface LoginResult {
  /** The login failed with this code (`access_denied`: the user cancelled); unknown values are ignored. */
  readonly error: ErrorCode | null;
  readonly warning: AuthWarning | null;
}

export function loginResult(url: string): LoginResult {
  const params = new URL(url).searchParams;
  const error = params.get("auth_error");
  return {
    error: isErrorCode(error) ? error : null,
    warning: params.get("auth_warning") === "account_mismatch" ? "account_mismatch" : null,
  };
}
