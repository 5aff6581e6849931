/**
 * The demo's browser script, served as `/demo.js` (the page's CSP allows same-origin scripts
 * only, no inline code). It is the reference integration for frontend authors:
 *
 * - the browser never holds a token: the session is an HttpOnly cookie the BFF reads;
 * - every call goes to the BFF's own origin, `/auth/…` or `/api/…`, with `X-CSRF: 1`;
 * - a login is started with `fetch` (Accept: application/json) and the browser then navigates to
 *   the instance itself, so no form ever posts to another origin;
 * - instance HTML (status content) is never inserted as HTML.
 *
 * Plain ES2022 in a string so the Worker can serve it without a build step; the error messages
 * are injected from `messages.ts`, which the type checker keeps complete.
 */
import { ERROR_MESSAGES, WARNING_MESSAGES } from "./messages.ts";

const MESSAGES = JSON.stringify({ ...ERROR_MESSAGES, ...WARNING_MESSAGES });

export const DEMO_JS = `"use strict";
const MESSAGES = ${MESSAGES};
const $ = (id) => document.getElementById(id);
let nextPage = null; // the rewritten Link rel="next": an absolute URL on this BFF

/** Every call to the BFF: same origin (the cookie goes along), X-CSRF: 1 proves it is our page. */
function bff(path, init = {}) {
  const headers = new Headers(init.headers);
  headers.set("X-CSRF", "1");
  headers.set("Accept", "application/json");
  return fetch(path, { ...init, headers, credentials: "same-origin" });
}

/**
 * fedi-bff's own errors are { error: code, error_description }: show our message for the code.
 * Errors the instance sent through the proxy (e.g. 422 { error: "Validation failed: …" }) carry
 * no code: show the instance's text (as text, never as HTML).
 */
async function failure(res) {
  let body = {};
  try {
    body = await res.json();
  } catch {}
  const code = typeof body.error === "string" ? body.error : "";
  const text = MESSAGES[code] || body.error_description || code || "Error " + res.status;
  return { code, text };
}

function say(id, text, code) {
  const el = $(id);
  el.textContent = text;
  el.dataset.code = code || "";
  el.hidden = !text;
}

// ---- Login ---------------------------------------------------------------------------------

async function startLogin(event) {
  event.preventDefault();
  say("login-error", "");
  const form = new URLSearchParams({ instance: $("instance").value.trim(), return_to: "/" });
  const res = await bff("/auth/login", { method: "POST", body: form });
  if (!res.ok) {
    const { code, text } = await failure(res);
    return say("login-error", text, code);
  }
  const { authorize_url } = await res.json();
  location.assign(authorize_url); // the instance's sign-in page; it comes back to /auth/callback
}

/**
 * After the callback the BFF returns here, with ?auth_error=<code> if the login failed (or
 * ?auth_warning=account_mismatch). Returns the error to show in whichever view comes up.
 */
function callbackResult() {
  const params = new URLSearchParams(location.search);
  const error = params.get("auth_error");
  const warning = params.get("auth_warning");
  if (warning) say("notice", MESSAGES[warning] || warning, warning);
  if (error || warning) history.replaceState(null, "", location.pathname);
  return error ? { code: error, text: MESSAGES[error] || "Login failed (" + error + ")." } : null;
}

// ---- Signed-in view ------------------------------------------------------------------------

/** Signed in (200) or not (401)? A login error goes to the view that comes up. */
async function loadSession(error = null) {
  const res = await bff("/auth/session");
  $("loading").hidden = true;
  if (!res.ok) {
    const shown = error || (res.status === 401 ? null : await failure(res));
    if (shown) say("login-error", shown.text, shown.code);
    return showLogin();
  }
  if (error) say("app-error", error.text, error.code); // e.g. adding a second account failed
  const session = await res.json();
  const me = session.account;
  setImage($("avatar"), me.avatar);
  $("display-name").textContent = me.display_name || me.username;
  $("acct").textContent = "@" + (me.acct.includes("@") ? me.acct : me.acct + "@" + session.instance);
  $("login").hidden = true;
  $("app").hidden = false;
  $("timeline").replaceChildren();
  await loadStatuses("/api/v1/timelines/home?limit=20");
}

function showLogin() {
  $("app").hidden = true;
  $("login").hidden = false;
  $("instance").focus();
}

/** A page of the timeline; the BFF rewrote Link so "next" points back at itself. */
async function loadStatuses(url) {
  const res = await bff(url);
  if (!res.ok) return apiFailed(res);
  for (const status of await res.json()) $("timeline").append(renderStatus(status));
  nextPage = linkNext(res.headers.get("Link"));
  $("load-more").hidden = nextPage === null;
}

function linkNext(header) {
  const match = /<([^>]+)>\\s*;\\s*rel="?next"?/.exec(header || "");
  if (!match) return null;
  const url = new URL(match[1], location.href);
  return url.origin === location.origin ? url.href : null; // never follow a link off the BFF
}

function renderStatus(status) {
  const item = $("status-template").content.firstElementChild.cloneNode(true);
  item.dataset.id = status.id;
  setImage(item.querySelector("img"), status.account.avatar);
  item.querySelector(".name").textContent = status.account.display_name || status.account.username;
  item.querySelector(".acct").textContent = "@" + status.account.acct;
  item.querySelector("time").textContent = new Date(status.created_at).toLocaleString();
  item.querySelector("time").dateTime = status.created_at;
  // Status content is HTML from the instance: a real client sanitizes it; the demo shows text only
  // (DOMParser does not run scripts or load images).
  const doc = new DOMParser().parseFromString(status.content, "text/html");
  item.querySelector(".content").textContent = doc.body.textContent;
  return item;
}

function setImage(img, url) {
  if (typeof url === "string" && /^https?:/.test(url)) img.src = url;
}

async function post(event) {
  event.preventDefault();
  const text = $("status-text").value;
  if (!text.trim()) return;
  $("post").disabled = true;
  try {
    const res = await bff("/api/v1/statuses", {
      method: "POST",
      // Idempotency-Key: a retried post is not published twice.
      headers: { "Content-Type": "application/json", "Idempotency-Key": crypto.randomUUID() },
      body: JSON.stringify({ status: text }),
    });
    if (!res.ok) return apiFailed(res);
    $("timeline").prepend(renderStatus(await res.json()));
    $("status-text").value = "";
    say("app-error", "");
  } finally {
    $("post").disabled = false;
  }
}

/** Logs out the active account; another account of this browser session may take its place. */
async function logout() {
  const res = await bff("/auth/logout", { method: "POST" });
  if (!res.ok) return apiFailed(res);
  say("notice", "Logged out " + $("acct").textContent + ".");
  say("app-error", "");
  await loadSession();
}

/** 401 from /api means the session is gone (expired, revoked): back to the login form. */
async function apiFailed(res) {
  const { code, text } = await failure(res);
  if (res.status === 401) {
    say("login-error", text, code);
    return showLogin();
  }
  say("app-error", text, code);
}

document.addEventListener("DOMContentLoaded", () => {
  $("login-form").addEventListener("submit", startLogin);
  $("compose").addEventListener("submit", post);
  $("logout").addEventListener("click", logout);
  $("load-more").addEventListener("click", async () => {
    $("load-more").disabled = true;
    await loadStatuses(nextPage).finally(() => ($("load-more").disabled = false));
  });
  loadSession(callbackResult()).catch((error) => {
    $("loading").hidden = true;
    say("login-error", "Could not reach fedi-bff: " + error.message);
    showLogin();
  });
});
`;
