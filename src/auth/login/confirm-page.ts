/**
 * The page a login that nothing on this origin started lands on (a link opened from mail or chat,
 * a bookmark, another site in a browser without Fetch Metadata). It names the instance and asks
 * the user to continue with a form POST from this origin, which then starts the login as the
 * user's own act. Until then nothing happens: no outbound request, no registration, no cookie.
 * Continuing while signed in adds the account and makes it the active one, so the page says so.
 */

import type { Deps } from "../../app/deps.ts";
import type { AuthRequest } from "../request.ts";
import { parseReturnTo } from "../return-to.ts";
import { describeLoginTarget, parseLoginTarget } from "./target.ts";

const STYLE =
  "body{font:16px/1.5 system-ui,sans-serif;max-width:34em;margin:3em auto;padding:0 1em}" +
  "button{font:inherit;padding:.5em 1.2em}.who{word-break:break-all}";

let styleHash: Promise<string> | undefined;

/** `sha256-…` of the inline style, for the CSP (no 'unsafe-inline'). */
function styleSource(): Promise<string> {
  styleHash ??= crypto.subtle
    .digest("SHA-256", new TextEncoder().encode(STYLE))
    .then((d) => `'sha256-${btoa(String.fromCharCode(...new Uint8Array(d)))}'`);
  return styleHash;
}

/** No script at all; the form may only post here, and its 302 may only lead to an instance. */
async function confirmCsp(deps: Deps): Promise<string> {
  // A form's redirect is checked against form-action too: allow the instances' https origins
  // (and the development instances allowed over plain http).
  const insecure = [...deps.config.insecureHosts].map((host) => `http://${host}`);
  return [
    "default-src 'none'",
    `style-src ${await styleSource()}`,
    ["form-action 'self' https:", ...insecure].join(" "),
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join("; ");
}

/** 200 with the confirmation page; the parameters are checked first (locally) so errors show now. */
export async function confirmLogin(req: AuthRequest, params: URLSearchParams): Promise<Response> {
  const { deps } = req;
  const returnTo = params.get("return_to");
  parseReturnTo(returnTo ?? undefined, deps);
  const target = parseLoginTarget(params.get("instance"), deps);
  const session = await req.session();
  const active = session?.accounts[session.active];
  const html = confirmHtml({
    who: describeLoginTarget(target),
    instance: params.get("instance"),
    returnTo,
    signedInAs: active === undefined ? null : `@${active.acct}@${active.instance}`,
  });
  return new Response(html, {
    headers: {
      "content-type": "text/html; charset=utf-8",
      "content-security-policy": await confirmCsp(deps),
    },
  });
}

interface ConfirmPage {
  readonly who: string;
  readonly instance: string | null;
  readonly returnTo: string | null;
  readonly signedInAs: string | null;
}

/**
 * Ids are stable: the e2e test relies on them. The page's referrer policy is `same-origin`: under
 * the `no-referrer` policy of every other answer a browser sends `Origin: null` with the form POST
 * (Fetch, "serializing a request origin"), and the origin check refuses that.
 */
function confirmHtml(page: ConfirmPage): string {
  const who = escapeHtml(page.who);
  const hidden = (name: string, value: string | null) =>
    value === null ? "" : `<input type="hidden" name="${name}" value="${escapeHtml(value)}">`;
  const effect =
    page.signedInAs === null
      ? "Continuing takes you to that server to sign in; you come back here afterwards."
      : `You are signed in as <strong class="who">${escapeHtml(page.signedInAs)}</strong>. Continuing adds ` +
        "this account to your session and makes it the active one; your other accounts stay signed in.";
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
<title>Sign in with ${who}?</title>
<style>${STYLE}</style>
</head>
<body>
<h1>Sign in with <span id="confirm-instance" class="who">${who}</span>?</h1>
<p>A link asks to sign you in with <strong class="who">${who}</strong>. ${effect}</p>
<p>If you did not follow a link to sign in yourself, close this page.</p>
<form id="confirm-form" method="post" action="/auth/login">
${hidden("instance", page.instance)}${hidden("return_to", page.returnTo)}
<button id="confirm-button" type="submit">Continue to ${who}</button>
</form>
</body>
</html>
`;
}

const ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => ESCAPES[ch] ?? ch);
}
