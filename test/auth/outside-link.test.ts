/**
 * A login link opened from outside the browser (mail, chat, a bookmark: `Sec-Fetch-Site: none`),
 * or from another site in a browser without Fetch Metadata, must not change who the user is until
 * the user confirms on fedi-bff's own page: no outbound request, no registration, no cookie.
 */
import { describe, expect, it } from "vitest";
import { BFF, bff, CookieJar, fullLogin } from "../helpers/bff.ts";
import { approve, fakeState, uniqueHost } from "../helpers/fake.ts";
import { expectError } from "../hostile/support.ts";

const OUTSIDE = { "sec-fetch-site": "none", "sec-fetch-mode": "navigate", accept: "text/html" };
/** Safari before 16.4 following a link from another site: no Fetch Metadata, no Origin on a GET. */
const NO_METADATA = { accept: "text/html,application/xhtml+xml,*/*;q=0.8" };

/** The hidden fields of the confirmation form, as a browser would post them. */
function formBody(html: string): URLSearchParams {
  const form = /<form id="confirm-form" method="post" action="\/auth\/login">([\s\S]*?)<\/form>/.exec(html);
  expect(form).not.toBeNull();
  const body = new URLSearchParams();
  for (const [, name = "", value = ""] of (form?.[1] ?? "").matchAll(/name="([^"]*)" value="([^"]*)"/g)) {
    body.set(
      name,
      value
        .replaceAll("&quot;", '"')
        .replaceAll("&lt;", "<")
        .replaceAll("&gt;", ">")
        .replaceAll("&#39;", "'")
        .replaceAll("&amp;", "&"),
    );
  }
  return body;
}

/** The button press: a form POST from the page, which carries our Origin and same-origin. */
function confirm(html: string, jar: CookieJar): Promise<Response> {
  return bff("/auth/login", {
    method: "POST",
    jar,
    headers: {
      origin: BFF,
      "sec-fetch-site": "same-origin",
      "content-type": "application/x-www-form-urlencoded",
    },
    body: formBody(html).toString(),
  });
}

describe("a login link opened from outside", () => {
  it.each([
    ["Sec-Fetch-Site: none", OUTSIDE],
    ["a navigation without Fetch Metadata", NO_METADATA],
  ])("answers %s with a confirmation page, and contacts and sets nothing", async (_, headers) => {
    const host = uniqueHost("mastodon");
    const res = await bff(`/auth/login?instance=${host}&return_to=/home`, { headers });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(res.headers.getSetCookie()).toEqual([]);
    const html = await res.text();
    expect(html).toContain(`<span id="confirm-instance" class="who">${host}</span>`);
    expect(Object.fromEntries(formBody(html))).toEqual({ instance: host, return_to: "/home" });
    expect((await fakeState(host)).requests).toEqual([]);
  });

  it("serves the page with a script-free CSP that forbids framing", async () => {
    const res = await bff(`/auth/login?instance=${uniqueHost("mastodon")}`, { headers: OUTSIDE });
    const csp = res.headers.get("content-security-policy") ?? "";
    expect(csp.split("; ")).toEqual(
      expect.arrayContaining(["default-src 'none'", "frame-ancestors 'none'", "base-uri 'none'"]),
    );
    expect(csp).not.toMatch(/script-src|unsafe-inline/);
    expect(await res.text()).not.toMatch(/<script/i);
  });

  it("escapes what it echoes", async () => {
    const returnTo = `/x?q="><img/src=x/onerror=alert(1)>'`;
    const res = await bff(
      `/auth/login?instance=${uniqueHost("mastodon")}&return_to=${encodeURIComponent(returnTo)}`,
      { headers: OUTSIDE },
    );
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).not.toContain("<img");
    expect(formBody(html).get("return_to")).toBe(returnTo);
  });

  it("starts the login only when the user presses the button (a same-origin form POST)", async () => {
    const host = uniqueHost("gts");
    const jar = new CookieJar();
    const page = await bff(`/auth/login?instance=${host}`, { jar, headers: OUTSIDE });
    expect(page.status).toBe(200);
    const res = await confirm(await page.text(), jar);
    expect(res.status).toBe(302);
    expect(new URL(res.headers.get("location") ?? "").origin).toBe(`https://${host}`);
    expect([...jar.cookies.keys()].some((k) => k.startsWith("__Host-fedi-bff-login-"))).toBe(true);
  });

  it("never replaces the active account silently: the page names it, the session changes only after the button", async () => {
    const mine = uniqueHost("mastodon");
    const { jar } = await fullLogin(mine, { user: "alice" });
    const before = jar.header();
    // A hostile instance that approves at once is what an attacker would send.
    const hostile = uniqueHost("mastodon");
    const page = await bff(`/auth/login?instance=${hostile}`, { jar, headers: OUTSIDE });
    expect(page.status).toBe(200);
    expect(page.headers.getSetCookie()).toEqual([]);
    const html = await page.text();
    expect(html).toContain(`@alice@${mine}`);
    expect(html).toContain("makes it the active one");
    expect(jar.header()).toBe(before);
    const session = (await (await bff("/auth/session", { jar })).json()) as { instance: string };
    expect(session.instance).toBe(mine);
    expect((await fakeState(hostile)).requests).toEqual([]);
    // The user's act: pressing the button adds the account and makes it active.
    const start = await confirm(html, jar);
    const back = await approve(start.headers.get("location") ?? "", { user: "bob" });
    await bff(back.pathname + back.search, { jar });
    const after = (await (await bff("/auth/session", { jar })).json()) as { instance: string };
    expect(after.instance).toBe(hostile);
  });

  it("refuses a form POST that no page of this origin sent: 403 forbidden_origin", async () => {
    const host = uniqueHost("mastodon");
    const res = await bff("/auth/login", {
      method: "POST",
      headers: { ...OUTSIDE, "content-type": "application/x-www-form-urlencoded" },
      body: `instance=${host}`,
    });
    await expectError(res, 403, "forbidden_origin");
    expect((await fakeState(host)).requests).toEqual([]);
  });
});
