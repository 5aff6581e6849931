/**
 * A keep-alive connection the instance closed while idle (snac drops idle connections quickly,
 * nginx in front of any server does too) fails before any byte of the answer. Requests whose
 * repetition is harmless are sent once more; a code exchange or a streamed body never is.
 */
import { describe, expect, it } from "vitest";
import { CookieJar, expectError, fullLogin, startLogin } from "../helpers/bff.ts";
import { fakeState, injectFault, uniqueHost } from "../helpers/fake.ts";
import { api, seen, signedIn } from "../proxy/support.ts";

const VERIFY = "/api/v1/accounts/verify_credentials";

/** A host whose app is registered (with its app token), so faults injected next hit the login. */
async function registered(): Promise<string> {
  const host = uniqueHost("mastodon");
  await startLogin(host, new CookieJar());
  return host;
}

describe("the login flow on a stale pooled connection", () => {
  it("repeats verify_credentials after the code exchange: the login succeeds with one exchange", async () => {
    const host = await registered();
    await injectFault(host, { path: VERIFY, method: "GET", kind: "drop_once" });
    const { jar, callback } = await fullLogin(host, { returnTo: "/home" });
    expect(callback.status).toBe(302);
    expect(callback.headers.get("location")).toBe("/home");
    expect(jar.cookies.has("__Host-fedi-bff-session")).toBe(true);
    expect(await seen(host, "/oauth/token", "POST")).toHaveLength(2); // the app token, one exchange
    expect(await seen(host, VERIFY, "GET")).toHaveLength(2);
    expect((await fakeState(host)).revokedTokens).toBe(0);
  });

  it("repeats the app registration (a duplicate is harmless) and the login starts", async () => {
    const host = uniqueHost("mastodon");
    await injectFault(host, { path: "/api/v1/apps", method: "POST", kind: "drop_once" });
    const authorize = await startLogin(host, new CookieJar());
    expect(authorize.origin).toBe(`https://${host}`);
    expect(await seen(host, "/api/v1/apps", "POST")).toHaveLength(2);
    expect((await fakeState(host)).registrations).toBe(1);
  });

  it("never repeats the code exchange: the code may be spent", async () => {
    const host = await registered();
    await injectFault(host, { path: "/oauth/token", method: "POST", kind: "drop_once" });
    const { jar, callback } = await fullLogin(host, { returnTo: "/home" });
    expect(callback.headers.get("location")).toBe("/home?auth_error=instance_unreachable");
    expect(jar.cookies.has("__Host-fedi-bff-session")).toBe(false);
    expect(await seen(host, "/oauth/token", "POST")).toHaveLength(2); // the app token, one exchange
  });
});

describe("the proxy on a stale pooled connection", () => {
  it("sends a GET once more and answers it", async () => {
    const { host, jar } = await signedIn();
    await injectFault(host, { path: "/api/v1/timelines/home", method: "GET", kind: "drop_once" });
    const res = await api("/api/v1/timelines/home", jar);
    expect(res.status).toBe(200);
    expect(await seen(host, "/api/v1/timelines/home", "GET")).toHaveLength(2);
  });

  it("tries a GET twice at most: a connection lost again is 502 instance_unreachable", async () => {
    const { host, jar } = await signedIn();
    await injectFault(host, { path: "/api/v1/timelines/home", method: "GET", kind: "reset", times: 3 });
    const res = await api("/api/v1/timelines/home", jar);
    expect(res.status).toBe(502);
    await expectError(res, 502, "instance_unreachable");
    expect(await seen(host, "/api/v1/timelines/home", "GET")).toHaveLength(2);
  });

  it("never repeats a request with a body: 502 instance_unreachable, sent once", async () => {
    const { host, jar } = await signedIn();
    await injectFault(host, { path: "/api/v1/statuses", method: "POST", kind: "drop_once" });
    const res = await api("/api/v1/statuses", jar, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "status=only+once",
    });
    expect(res.status).toBe(502);
    await expectError(res, 502, "instance_unreachable");
    expect(await seen(host, "/api/v1/statuses", "POST")).toHaveLength(1);
  });
});
