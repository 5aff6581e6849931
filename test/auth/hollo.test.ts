/**
 * Hollo 0.9 (measured on a real server): RFC 8414 metadata, PKCE enforced when sent, a denied
 * consent sent back without state, unknown keys in an app registration refused. The fake imitates
 * it; fedi-bff logs in there and takes a denial back to the app.
 */
import { describe, expect, it } from "vitest";
import { LOGIN_COOKIE_PREFIX, SESSION_COOKIE } from "../../src/session/cookies.ts";
import { bff, CookieJar, fullLogin, startLogin } from "../helpers/bff.ts";
import { approve, fakeState, uniqueOrigin } from "../helpers/fake.ts";

const REDIRECT = "https://app.example/callback";

async function post(url: string, fields: Record<string, string>, token?: string): Promise<Response> {
  const headers: Record<string, string> = { "user-agent": "test" };
  if (token) headers.authorization = `Bearer ${token}`;
  return fetch(url, { method: "POST", headers, body: new URLSearchParams(fields) });
}

async function json(res: Response): Promise<Record<string, unknown>> {
  return (await res.json()) as Record<string, unknown>;
}

describe("the fake's Hollo", () => {
  it("publishes nodeinfo hollo 0.9 and RFC 8414 metadata", async () => {
    const origin = uniqueOrigin("hollo");
    const info = await json(await fetch(`${origin}/nodeinfo/2.0`));
    expect(info.software).toMatchObject({ name: "hollo", version: expect.stringMatching(/^0\.9\./) });
    const metadata = await fetch(`${origin}/.well-known/oauth-authorization-server`);
    expect(metadata.status).toBe(200);
    expect(await json(metadata)).toMatchObject({ code_challenge_methods_supported: ["S256"] });
  });

  it("refuses unknown keys in an app registration with 422", async () => {
    const origin = uniqueOrigin("hollo");
    const app = { client_name: "x", redirect_uris: REDIRECT, scopes: "read" };
    expect((await post(`${origin}/api/v1/apps`, { ...app, vapid: "1" })).status).toBe(422);
    expect((await post(`${origin}/api/v1/apps`, { ...app, website: "https://x.example" })).status).toBe(200);
  });

  it("gives an app token created_at in seconds, refuses it on verify_credentials, revokes only the token", async () => {
    const origin = uniqueOrigin("hollo");
    const app = await json(
      await post(`${origin}/api/v1/apps`, { client_name: "x", redirect_uris: REDIRECT, scopes: "read" }),
    );
    const client = { client_id: String(app.client_id), client_secret: String(app.client_secret) };
    const grant = { ...client, grant_type: "client_credentials", scope: "read" };
    const token = await json(await post(`${origin}/oauth/token`, grant));
    expect(Number(token.created_at)).toBeLessThan(1e11);
    const verify = await fetch(`${origin}/api/v1/accounts/verify_credentials`, {
      headers: { authorization: `Bearer ${token.access_token}` },
    });
    expect(verify.status).toBe(422);
    expect(
      (await post(`${origin}/oauth/revoke`, { ...client, token: String(token.access_token) })).status,
    ).toBe(200);
    expect((await post(`${origin}/oauth/token`, grant)).status).toBe(200);
  });
});

describe("the fake's Hollo at the token endpoint", () => {
  /** A code for a fresh app, authorized with the S256 challenge of `verifier`. */
  async function code(origin: string, client: Record<string, string>, verifier: string): Promise<string> {
    const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
    const challenge = btoa(String.fromCharCode(...new Uint8Array(digest)))
      .replace(/\+/g, "-")
      .replace(/\//g, "_")
      .replace(/=+$/, "");
    const query = new URLSearchParams({
      client_id: client.client_id ?? "",
      redirect_uri: REDIRECT,
      response_type: "code",
      scope: "read",
      code_challenge: challenge,
      code_challenge_method: "S256",
    });
    return (await approve(`${origin}/oauth/authorize?${query}`)).searchParams.get("code") ?? "";
  }

  it("enforces PKCE when a challenge was sent, and dates a user token in milliseconds", async () => {
    const origin = uniqueOrigin("hollo");
    const app = await json(
      await post(`${origin}/api/v1/apps`, { client_name: "x", redirect_uris: REDIRECT, scopes: "read" }),
    );
    const client = { client_id: String(app.client_id), client_secret: String(app.client_secret) };
    const exchange = { ...client, grant_type: "authorization_code", redirect_uri: REDIRECT };
    const wrong = {
      ...exchange,
      code: await code(origin, client, "a".repeat(43)),
      code_verifier: "b".repeat(43),
    };
    expect((await post(`${origin}/oauth/token`, wrong)).status).toBe(400);
    const right = {
      ...exchange,
      code: await code(origin, client, "c".repeat(43)),
      code_verifier: "c".repeat(43),
    };
    const token = await json(await post(`${origin}/oauth/token`, right));
    expect(Number(token.created_at)).toBeGreaterThan(1e12);
  });
});

describe("fedi-bff on Hollo", () => {
  it("logs in (metadata, PKCE, a code-grant created_at in milliseconds)", async () => {
    const origin = uniqueOrigin("hollo");
    const { jar, callback } = await fullLogin(new URL(origin).host, { returnTo: "/app" });
    expect(callback.headers.get("location")).toBe("/app");
    expect(jar.cookies.has(SESSION_COOKIE)).toBe(true);
    const state = await fakeState(origin);
    expect(state.requests.some((r) => r.path === "/.well-known/oauth-authorization-server")).toBe(true);
    expect(state.registrations).toBe(1);
  });

  it("takes a denied consent, which comes back without state, to return_to?auth_error=access_denied", async () => {
    const origin = uniqueOrigin("hollo");
    const jar = new CookieJar();
    const authorize = await startLogin(new URL(origin).host, jar, "/app");
    const back = await approve(authorize.href, { deny: true });
    expect([...back.searchParams.keys()].sort()).toEqual(["error", "error_description"]);
    const res = await bff(back.pathname + back.search, { jar });
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("/app?auth_error=access_denied");
    expect([...jar.cookies.keys()].some((name) => name.startsWith(LOGIN_COOKIE_PREFIX))).toBe(false);
    // Nothing was exchanged: no user token exists (the app token is the registration\'s).
    expect((await fakeState(origin)).liveUserTokens).toBe(0);
  });
});
