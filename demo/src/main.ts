/**
 * The demo frontend, served as static files beside fedi-bff on one origin (Workers Static
 * Assets). It is the reference integration for frontend authors, built on the browser client
 * (`fedi-bff/client`, src/client/):
 *
 * - the browser never holds a token: the session is an HttpOnly cookie fedi-bff reads;
 * - every call goes to fedi-bff's `/auth/…` or `/api/…` with `X-CSRF: 1` (the client adds it);
 * - a login asks fedi-bff for the instance's sign-in URL (so errors show here), then navigates
 *   there; no form ever posts to another origin;
 * - instance HTML (status content) is never inserted as HTML.
 */
import type { Session } from "../../src/client/index.ts";
import { loginResult } from "../../src/client/index.ts";
import { bff } from "./bff.ts";
import { $, say, setImage, showApp, showLogin } from "./dom.ts";
import { describe, report, type Shown } from "./failures.ts";
import { ERROR_MESSAGES, WARNING_MESSAGES } from "./messages.ts";
import { loadFirstPage, loadMore, post } from "./timeline.ts";

/** `user@domain` (with or without the leading @) is a handle; anything else names an instance. */
const HANDLE = /^@?[^@\s]+@[^@\s]+$/;

async function startLogin(event: SubmitEvent): Promise<void> {
  event.preventDefault();
  say("login-error", "");
  const typed = $<HTMLInputElement>("instance").value.trim();
  // fedi-bff may have to discover and register with the instance first (up to its timeout):
  // say so, and keep the button from starting a second login meanwhile.
  const button = $<HTMLButtonElement>("login-button");
  button.disabled = true;
  button.textContent = `Contacting ${typed}…`;
  try {
    // Back to this page; the client leaves the page for the instance's sign-in.
    await bff.login(HANDLE.test(typed) ? { handle: typed } : { instance: typed });
  } catch (error) {
    const { code, text } = describe(error);
    say("login-error", text, code);
    button.disabled = false;
    button.textContent = "Log in";
  }
}

// Back from the instance's page, the browser may show this page as it was left: a working button.
addEventListener("pageshow", () => {
  const button = $<HTMLButtonElement>("login-button");
  button.disabled = false;
  button.textContent = "Log in";
});

/**
 * After the callback fedi-bff returns here, with `?auth_error=<code>` if the login failed (or
 * `?auth_warning=account_mismatch`). Returns the error to show in whichever view comes up.
 */
function callbackResult(): Shown | null {
  const { error, warning } = loginResult(location.href);
  if (warning !== null) say("notice", WARNING_MESSAGES[warning], warning);
  const params = new URLSearchParams(location.search);
  if (params.has("auth_error") || params.has("auth_warning")) {
    history.replaceState(null, "", location.pathname);
  }
  return error === null ? null : { code: error, text: ERROR_MESSAGES[error] };
}

/** Signed in or not? A login error goes to the view that comes up. */
async function loadSession(error: Shown | null = null): Promise<void> {
  let session: Session | null;
  try {
    session = await bff.session();
  } catch (failure) {
    session = null;
    error ??= describe(failure);
  }
  $("loading").hidden = true;
  if (session === null) {
    if (error !== null) say("login-error", error.text, error.code);
    return showLogin();
  }
  if (error !== null) say("app-error", error.text, error.code); // e.g. adding a second account failed
  const me = session.account;
  setImage($<HTMLImageElement>("avatar"), me.avatar);
  $("display-name").textContent = me.display_name || me.username;
  $("acct").textContent = `@${me.acct.includes("@") ? me.acct : `${me.acct}@${session.instance}`}`;
  showApp();
  await loadFirstPage();
}

/** Logs out the active account; another account of this browser session may take its place. */
async function logout(): Promise<void> {
  try {
    await bff.logout();
  } catch (error) {
    return report(error);
  }
  say("notice", `Logged out ${$("acct").textContent}.`);
  say("app-error", "");
  await loadSession();
}

document.addEventListener("DOMContentLoaded", () => {
  $("login-form").addEventListener("submit", startLogin);
  $("compose").addEventListener("submit", post);
  $("logout").addEventListener("click", logout);
  $("load-more").addEventListener("click", loadMore);
  loadSession(callbackResult()).catch((error: unknown) => {
    $("loading").hidden = true;
    say("login-error", describe(error).text);
    showLogin();
  });
});
