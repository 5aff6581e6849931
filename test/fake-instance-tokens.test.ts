/**
 * The fake instance's token rules, each as its server has it: a client that assumes one token per
 * login, or a revoke that touches only the token named, fails against these.
 */
import { describe, expect, it } from "vitest";
import { advanceClock, approve, fakeState, runMastodonVacuum, uniqueOrigin } from "./helpers/fake.ts";

const UA = { "user-agent": "fake-instance-test/1.0" };
const REDIRECT = "https://bff.example.com/callback";
const VERIFIER = "v".repeat(50);

const form = (fields: Record<string, string>): RequestInit => ({
  method: "POST",
  headers: { ...UA, "content-type": "application/x-www-form-urlencoded" },
  body: new URLSearchParams(fields),
});

async function challenge(): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(VERIFIER));
  return btoa(String.fromCharCode(...new Uint8Array(digest)))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
}

async function register(origin: string) {
  const res = await fetch(
    `${origin}/api/v1/apps`,
    form({ client_name: "t", redirect_uris: REDIRECT, scopes: "read write" }),
  );
  expect(res.status).toBe(200);
  return (await res.json()) as { client_id: string; client_secret: string };
}

type App = Awaited<ReturnType<typeof register>>;

/** Authorizes `app` as `user` with `scope` and exchanges the code: the token, or the failed answer. */
async function signIn(origin: string, app: App, user: string, scope = "read write") {
  const q = new URLSearchParams({
    client_id: app.client_id,
    redirect_uri: REDIRECT,
    response_type: "code",
    scope,
    state: "s",
    code_challenge: await challenge(),
    code_challenge_method: "S256",
  });
  const back = await approve(`${origin}/oauth/authorize?${q}`, { user });
  const res = await fetch(
    `${origin}/oauth/token`,
    form({
      grant_type: "authorization_code",
      code: back.searchParams.get("code") ?? "",
      client_id: app.client_id,
      client_secret: app.client_secret,
      redirect_uri: REDIRECT,
      code_verifier: VERIFIER,
    }),
  );
  expect(res.status).toBe(200);
  return ((await res.json()) as { access_token: string }).access_token;
}

const me = (origin: string, token: string) =>
  fetch(`${origin}/api/v1/accounts/verify_credentials`, {
    headers: { ...UA, authorization: `Bearer ${token}` },
  });

const revoke = (origin: string, app: App, token: string) =>
  fetch(
    `${origin}/oauth/revoke`,
    form({ client_id: app.client_id, client_secret: app.client_secret, token }),
  );

describe("Mastodon: Doorkeeper's reuse_access_token", () => {
  it("hands the same user the same live token for the same app and scopes", async () => {
    const origin = uniqueOrigin("mastodon");
    const app = await register(origin);
    const laptop = await signIn(origin, app, "alice");
    expect(await signIn(origin, app, "alice")).toBe(laptop);
    expect(await signIn(origin, app, "bob")).not.toBe(laptop);
    expect(await signIn(origin, app, "alice", "read")).not.toBe(laptop);
    expect((await revoke(origin, app, laptop)).status).toBe(200);
    expect(await signIn(origin, app, "alice")).not.toBe(laptop);
  });

  it("keeps apps in its daily vacuum since 4.2.9; only 4.2.0–4.2.8 deleted unused ones", async () => {
    const origin = uniqueOrigin("mastodon");
    await register(origin);
    await advanceClock(origin, 2 * 86_400);
    expect(await runMastodonVacuum(origin)).toEqual({ deletedApps: 0 });
    expect(await runMastodonVacuum(origin, { applications: true })).toEqual({ deletedApps: 1 });
  });
});

describe("Friendica: one token per (app, user), revoke per app", () => {
  it("overwrites the first device's token when the same user authorizes again", async () => {
    const origin = uniqueOrigin("friendica");
    const app = await register(origin);
    const laptop = await signIn(origin, app, "alice");
    const phone = await signIn(origin, app, "alice");
    expect(phone).not.toBe(laptop);
    expect((await me(origin, phone)).status).toBe(200);
    const dead = await me(origin, laptop);
    expect(dead.status).toBe(403);
    expect(await dead.json()).toEqual({
      error: "Token is not authorized with a valid user or is missing a required scope",
      error_description: "",
    });
  });

  it("deletes every token of the application on a revoke, other users' too", async () => {
    const origin = uniqueOrigin("friendica");
    const app = await register(origin);
    const alice = await signIn(origin, app, "alice");
    const bob = await signIn(origin, app, "bob");
    expect((await revoke(origin, app, alice)).status).toBe(200);
    expect((await me(origin, bob)).status).toBe(403);
    expect((await fakeState(origin)).liveUserTokens).toBe(0);
    expect((await revoke(origin, app, alice)).status).toBe(401);
  });

  it("refuses a code older than five minutes, and an unknown client with 422", async () => {
    const origin = uniqueOrigin("friendica");
    const app = await register(origin);
    const q = new URLSearchParams({
      client_id: app.client_id,
      redirect_uri: REDIRECT,
      response_type: "code",
      state: "s",
    });
    const back = await approve(`${origin}/oauth/authorize?${q}`);
    await advanceClock(origin, 301);
    const exchange = {
      grant_type: "authorization_code",
      code: back.searchParams.get("code") ?? "",
      client_id: app.client_id,
      client_secret: app.client_secret,
      redirect_uri: REDIRECT,
    };
    expect((await fetch(`${origin}/oauth/token`, form(exchange))).status).toBe(401);
    expect((await fetch(`${origin}/oauth/token`, form({ ...exchange, client_id: "nope" }))).status).toBe(422);
  });
});
