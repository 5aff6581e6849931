// The whole frontend: who is signed in, the home timeline, log out. Every call to fedi-bff sends
// `X-CSRF: 1`; the session is an HttpOnly cookie, so no token is ever in this script.
const bff = (path, init = {}) =>
  fetch(path, { ...init, headers: { "X-CSRF": "1", Accept: "application/json", ...init.headers } });
const $ = (id) => document.getElementById(id);

const error = new URL(location.href).searchParams.get("auth_error");
const session = await bff("/auth/session");
if (session.status === 200) {
  const me = await session.json();
  $("status").textContent = `Signed in as @${me.account.acct}@${me.instance}.`;
  $("home").hidden = false;
  const timeline = await bff("/api/v1/timelines/home?limit=10");
  for (const status of timeline.ok ? await timeline.json() : []) {
    const item = document.createElement("li");
    // Instance HTML is never inserted as HTML: the text of each status only.
    item.textContent = `${status.account.acct}: ${new DOMParser().parseFromString(status.content, "text/html").body.textContent}`;
    $("timeline").append(item);
  }
} else {
  $("status").textContent = error ? `The login did not work (${error}).` : "Not signed in.";
  $("login").hidden = false;
}
$("logout").addEventListener("click", async () => {
  await bff("/auth/logout", { method: "POST" });
  location.reload();
});
