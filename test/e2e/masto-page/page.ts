/**
 * The page script of the masto.js e2e test (masto-browser.e2e.ts): the "Using masto.js" (docs/masto.md)
 * code (masto.ts, timeline.ts, checked against docs/masto.md by the test), bundled by esbuild and
 * served from the BFF's origin. The test calls what is on `window.mastoPage`; signing in is the
 * BFF's own flow (docs/deploying.md, "Frontends"), not masto.js.
 */
import { masto } from "./masto.ts";
import { homePages, nextUserEvent, post, signedInAccount } from "./timeline.ts";

/** Starts a login the way a frontend does: `{ authorize_url }` from the BFF, then navigate. */
async function login(instance: string, returnTo: string): Promise<void> {
  const query = new URLSearchParams({ instance, return_to: returnTo });
  const res = await fetch(`/auth/login?${query}`, {
    headers: { Accept: "application/json", "X-CSRF": "1" },
  });
  if (!res.ok) throw new Error(`login start answered ${res.status}`);
  const { authorize_url } = (await res.json()) as { authorize_url: string };
  location.assign(authorize_url);
}

const mastoPage = { login, masto, signedInAccount, homePages, post, nextUserEvent };
export type MastoPage = typeof mastoPage;

declare global {
  interface Window {
    mastoPage: MastoPage;
  }
}

window.mastoPage = mastoPage;
document.body.dataset.ready = "1";
