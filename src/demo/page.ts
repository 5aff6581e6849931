/**
 * The demo page's HTML and its Content-Security-Policy (no inline script, no framing): scripts and styles
 * from this origin only, nothing inline, no framing, fetches to this origin only.
 */
import type { Config } from "../config/config.ts";

/** The CSP for everything the demo serves; avatars may come from any https host. */
export function demoCsp(config: Config): string {
  // Development instances allowed over plain http (ALLOW_INSECURE_INSTANCES) serve avatars too.
  const insecure = [...config.insecureHosts].map((host) => `http://${host}`);
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    ["img-src 'self' https:", ...insecure].join(" "),
    "connect-src 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join("; ");
}

/** Ids are stable: the e2e test and frontend authors rely on them. */
export const DEMO_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>fedi-bff demo</title>
<link rel="stylesheet" href="/demo.css">
<script src="/demo.js" defer></script>
</head>
<body>
<h1>fedi-bff demo</h1>
<noscript><p class="error">This demo needs JavaScript.</p></noscript>
<p id="notice" class="notice" role="status" hidden></p>
<p id="loading">Loading…</p>

<section id="login" hidden>
  <form id="login-form">
    <input id="instance" name="instance" placeholder="mastodon.example" autocomplete="url"
      aria-label="Your instance" required>
    <button id="login-button" type="submit">Log in</button>
  </form>
  <p id="login-error" class="error" role="alert" hidden></p>
</section>

<section id="app" hidden>
  <div id="me">
    <img id="avatar" alt="" referrerpolicy="no-referrer">
    <div><strong id="display-name"></strong><span id="acct"></span></div>
    <button id="logout" type="button">Log out</button>
  </div>
  <form id="compose">
    <textarea id="status-text" maxlength="500" aria-label="What's on your mind?"
      placeholder="What's on your mind?" required></textarea>
    <button id="post" type="submit">Post</button>
  </form>
  <p id="app-error" class="error" role="alert" hidden></p>
  <ol id="timeline"></ol>
  <button id="load-more" type="button" hidden>Load more</button>
</section>

<template id="status-template">
  <li class="status">
    <img alt="" referrerpolicy="no-referrer">
    <div><header><strong class="name"></strong><span class="acct"></span><time></time></header>
    <p class="content"></p></div>
  </li>
</template>
</body>
</html>
`;
