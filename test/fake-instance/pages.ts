/** Minimal HTML for the browser half of the authorize flow (ids are stable for browser tests). */

const esc = (s: string): string =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font-family:system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem}
label,input,button{display:block;margin:.4rem 0}.error{color:#b00020}</style></head>
<body>${body}</body></html>`;
}

const hidden = (params: URLSearchParams): string =>
  [...params].map(([k, v]) => `<input type="hidden" name="${esc(k)}" value="${esc(v)}">`).join("\n");

/** The sign-in form; posts the credentials plus the authorize query to /auth/sign_in. */
export function signInPage(host: string, authorizeQuery: URLSearchParams, error?: string): string {
  const message = error ? `<p class="error" id="error">${esc(error)}</p>` : "";
  return page(
    `Sign in – ${host}`,
    `<h1>Sign in to ${esc(host)}</h1>${message}
<form method="post" action="/auth/sign_in">
<label for="username">Username</label><input id="username" name="username" autocomplete="username">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password">
<input type="hidden" name="authorize_query" value="${esc(authorizeQuery.toString())}">
<button id="sign-in" type="submit">Sign in</button>
</form>`,
  );
}

/** The consent page naming the app, with Authorize and Deny buttons. */
export function consentPage(
  appName: string,
  user: string,
  scopes: string[],
  params: URLSearchParams,
): string {
  return page(
    "Authorization required",
    `<h1>Authorization required</h1>
<p id="app-name"><strong>${esc(appName)}</strong> would like to access your account <strong>@${esc(user)}</strong>.</p>
<p>Scopes: <code id="scopes">${esc(scopes.join(" "))}</code></p>
<form method="post" action="/oauth/authorize">
${hidden(params)}
<button id="authorize" type="submit" name="decision" value="approve">Authorize</button>
<button id="deny" type="submit" name="decision" value="deny">Deny</button>
</form>`,
  );
}

/** An error page, as the instances render for an unknown client or a bad redirect_uri. */
export function errorPage(title: string, description: string): string {
  return page(title, `<h1>${esc(title)}</h1><p id="error">${esc(description)}</p>`);
}
