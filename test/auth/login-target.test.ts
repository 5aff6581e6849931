import { describe, expect, it } from "vitest";
import { bff, CookieJar, startLogin } from "../helpers/bff.ts";
import { approve, configure, fakeState, injectFault, uniqueHost } from "../helpers/fake.ts";

/** The instance the session's active account is on. */
async function activeInstance(jar: CookieJar): Promise<string> {
  const res = await bff("/auth/session", { jar });
  expect(res.status).toBe(200);
  return ((await res.json()) as { instance: string }).instance;
}

describe("login by handle", () => {
  it("finds the web host of an account domain through WebFinger", async () => {
    const domain = uniqueHost("mastodon");
    const web = uniqueHost("mastodon");
    await configure(`https://${domain}`, {
      webfinger: { webOrigin: `https://${web}`, accountDomain: domain },
    });
    const jar = new CookieJar();
    const authorize = await startLogin(`@alice@${domain}`, jar);
    expect(authorize.host).toBe(web);
    const back = await approve(authorize.href, { user: "alice" });
    const done = await bff(back.pathname + back.search, { jar });
    expect(done.headers.get("location")).toBe("/");
    expect(await activeInstance(jar)).toBe(web);
    expect((await fakeState(domain)).registrations).toBe(0);
  });

  it("accepts alice@domain without the leading @, and falls back to host-meta", async () => {
    const domain = uniqueHost("mastodon");
    await injectFault(`https://${domain}`, {
      path: "/.well-known/webfinger",
      kind: "status",
      status: 404,
      times: 1,
    });
    const authorize = await startLogin(`alice@${domain}`, new CookieJar());
    expect(authorize.host).toBe(domain);
    const hits = (await fakeState(domain)).requests.filter((r) => r.path.startsWith("/.well-known/"));
    expect(hits.map((r) => r.path)).toContain("/.well-known/host-meta");
  });

  it("says so when the account that signed in is not the handle asked for", async () => {
    const host = uniqueHost("mastodon");
    const jar = new CookieJar();
    const authorize = await startLogin(`@alice@${host}`, jar);
    const back = await approve(authorize.href, { user: "bob" });
    const done = await bff(back.pathname + back.search, { jar });
    expect(done.headers.get("location")).toBe("/?auth_warning=account_mismatch");
  });

  it("answers 404 handle_not_found for an unknown account", async () => {
    const res = await bff(`/auth/login?instance=${encodeURIComponent(`@nobody@${uniqueHost("mastodon")}`)}`);
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: "handle_not_found" });
  });

  it("refuses a WebFinger link to a private host, and a handle on an IP", async () => {
    const domain = uniqueHost("mastodon");
    await configure(`https://${domain}`, {
      webfinger: { webOrigin: "https://127.0.0.1", accountDomain: domain },
    });
    const res = await bff(`/auth/login?instance=${encodeURIComponent(`@alice@${domain}`)}`);
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: "handle_not_found" });
    const ip = await bff(`/auth/login?instance=${encodeURIComponent("@alice@127.0.0.1")}`);
    expect(ip.status).toBe(400);
    expect(await ip.json()).toMatchObject({ error: "invalid_instance" });
  });

  it("follows a WebFinger redirect to another host only through the host check", async () => {
    const domain = uniqueHost("mastodon");
    const target = uniqueHost("mastodon");
    await configure(`https://${domain}`, { webfinger: { redirectTo: `https://${target}` } });
    await configure(`https://${target}`, { webfinger: { accountDomain: domain } });
    const authorize = await startLogin(`@alice@${domain}`, new CookieJar());
    expect(authorize.host).toBe(target);
    const evil = uniqueHost("mastodon");
    await configure(`https://${evil}`, { webfinger: { redirectTo: "http://169.254.169.254" } });
    const res = await bff(`/auth/login?instance=${encodeURIComponent(`@alice@${evil}`)}`);
    expect(res.status).toBe(404);
  });
});

describe("handle input hygiene", () => {
  it.each([
    "\r\n@alice@mastodon.example.net",
    "@alice@mastodon.example.net\t",
    "@alice@mastodon.example.net\n",
  ])("refuses %j like a host with control characters", async (input) => {
    const res = await bff(`/auth/login?instance=${encodeURIComponent(input)}`);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: "invalid_instance" });
  });
});

describe("single-instance mode", () => {
  it("needs no instance parameter with an allowlist of one host, and refuses others", async () => {
    const only = uniqueHost("mastodon");
    const call = (path: string) =>
      bff(path, { env: { INSTANCE_ALLOWLIST: only }, headers: { "cf-connecting-ip": "192.0.2.77" } });
    const res = await call("/auth/login");
    expect(res.status).toBe(302);
    expect(new URL(res.headers.get("location") ?? "").host).toBe(only);
    const other = await call(`/auth/login?instance=${uniqueHost("mastodon")}`);
    expect(other.status).toBe(403);
    expect(await other.json()).toMatchObject({ error: "instance_not_allowed" });
  });
});
