/**
 * A page built on the browser client (src/client/) against the real app: its fetch is the
 * Worker's own fetch handler through `bff()` with a browser's cookie jar, and its navigations are
 * recorded, for the test to play the user at the instance.
 */
import { expect } from "vitest";
import {
  type BrowserRequestInit,
  createClient,
  type FediBffClient,
  type FediBffError,
} from "../../src/client/index.ts";
import type { Env } from "../../src/config/env.ts";
import { BFF, bff, CookieJar } from "../helpers/bff.ts";
import { approve } from "../helpers/fake.ts";

export interface Browser {
  readonly client: FediBffClient;
  readonly jar: CookieJar;
  /** Every request the client sent: URL and init. */
  readonly sent: { url: string; init: BrowserRequestInit }[];
  /** Where the client navigated the page. */
  readonly visited: string[];
}

export interface BrowserOptions {
  readonly jar?: CookieJar;
  readonly env?: Partial<Env>;
  readonly onSignInEnded?: (error: FediBffError) => void;
}

/** A page on fedi-bff's origin: the client's requests reach the Worker with the jar's cookies. */
export function browser(options: BrowserOptions = {}): Browser {
  const { jar = new CookieJar(), env = {}, onSignInEnded } = options;
  const sent: Browser["sent"] = [];
  const visited: string[] = [];
  const client = createClient({
    baseUrl: BFF,
    fetch: (url, init) => {
      sent.push({ url, init });
      // workerd's Request has no `credentials`; the jar plays the browser sending the cookie.
      const { credentials: _, ...rest } = init;
      return bff(url, { ...rest, jar, env });
    },
    navigate: (url) => visited.push(url),
    onSignInEnded,
  });
  return { client, jar, sent, visited };
}

/** Plays the user at the instance, then the browser following the callback back to fedi-bff. */
export async function comeBack(page: Browser, user = "alice"): Promise<Response> {
  const authorize = page.visited.at(-1) ?? "";
  const back = await approve(authorize, { user });
  return bff(back.pathname + back.search, { jar: page.jar });
}

/** Logs the page in to `host` as alice, returning to `returnTo`; the callback must answer 302. */
export async function logIn(page: Browser, host: string, returnTo: string): Promise<void> {
  await page.client.login({ instance: host }, { returnTo });
  expect((await comeBack(page)).status).toBe(302);
}
