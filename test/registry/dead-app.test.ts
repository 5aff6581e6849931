import { describe, expect, it } from "vitest";
import { bff, CookieJar, fullLogin, startLogin } from "../helpers/bff.ts";
import { approve, deleteApp, fakeState, injectFault, uniqueHost } from "../helpers/fake.ts";

const clientOf = (url: URL) => url.searchParams.get("client_id") ?? "";
const tokenPosts = async (host: string) =>
  (await fakeState(host)).requests.filter((r) => r.method === "POST" && r.path === "/oauth/token").length;

// GoToSocial reports a deleted app only on its own authorize page, so the BFF never
// hears of it; users of today's clients stay locked out (complaint 1). The user's retry heals it.
describe("an app the instance deleted, seen only on the instance's own pages", () => {
  it("registers again when the user retries a GoToSocial login that never came back", async () => {
    const host = uniqueHost("gts");
    const jar = new CookieJar();
    const first = await startLogin(host, jar);
    await deleteApp(`https://${host}`, clientOf(first));
    // The user sees the instance's error page; nothing comes back to the BFF.
    const page = await fetch(first.href, { headers: { "user-agent": "Mozilla/5.0 (test browser)" } });
    expect(page.status).toBe(400);
    expect(await page.text()).toContain("invalid_client");

    const retry = await startLogin(host, jar);
    expect(clientOf(retry)).not.toBe(clientOf(first));
    const back = await approve(retry.href, { user: "alice" });
    const done = await bff(back.pathname + back.search, { jar });
    expect(done.headers.get("location")).toBe("/");
    expect((await fakeState(host)).registrations).toBe(2);
    // A new browser goes straight to the new app.
    expect(clientOf(await startLogin(host, new CookieJar()))).toBe(clientOf(retry));
  });

  it("understands Akkoma's answer for an unknown client too", async () => {
    const host = uniqueHost("akkoma");
    const jar = new CookieJar();
    const first = await startLogin(host, jar);
    await deleteApp(`https://${host}`, clientOf(first));
    const retry = await startLogin(host, jar);
    expect(clientOf(retry)).not.toBe(clientOf(first));
    expect((await fakeState(host)).registrations).toBe(2);
  });

  it("keeps a live app and its check's token as the app token, and checks at most once in ten minutes", async () => {
    const host = uniqueHost("mastodon");
    const jar = new CookieJar();
    const first = await startLogin(host, jar);
    expect(await tokenPosts(host)).toBe(1); // the app token minted with the registration
    const retry = await startLogin(host, jar);
    expect(clientOf(retry)).toBe(clientOf(first));
    let state = await fakeState(host);
    // The check's token became the app token; the one it replaced was revoked: one stays live.
    expect([state.registrations, state.tokensIssued, state.revokedTokens]).toEqual([1, 2, 1]);
    expect(state.liveTokens).toBe(1);
    expect(await tokenPosts(host)).toBe(2);

    await startLogin(host, jar);
    await startLogin(host, jar);
    state = await fakeState(host);
    expect(await tokenPosts(host)).toBe(2);
    expect(state.registrations).toBe(1);
  });

  it("does not check on a first login, nor after a login that finished", async () => {
    const host = uniqueHost("mastodon");
    const { jar, callback } = await fullLogin(host);
    expect(callback.headers.get("location")).toBe("/");
    expect(await tokenPosts(host)).toBe(2); // the app token at registration, the code exchange
    await startLogin(host, jar);
    expect(await tokenPosts(host)).toBe(2);
  });

  it("goes on with the current app when the check proves nothing", async () => {
    const host = uniqueHost("gts");
    const jar = new CookieJar();
    const first = await startLogin(host, jar);
    await injectFault(`https://${host}`, { path: "/oauth/token", kind: "status", status: 503 });
    const retry = await startLogin(host, jar);
    expect(clientOf(retry)).toBe(clientOf(first));
    expect(await tokenPosts(host)).toBe(2); // the app token, then the check, which answered 503
    expect((await fakeState(host)).registrations).toBe(1);
  });
});
