/**
 * Logins under way when per-instance redirect URIs arrive: a login sealed with the one shared
 * callback (`/auth/callback`) and its registration still finishes there, and its instance's next
 * login registers the per-instance redirect URI (lazily, through the usual registrar).
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { buildDeps, LEGACY_CALLBACK_PATH } from "../../src/app/deps.ts";
import { stateIn } from "../../src/auth/login/slots.ts";
import { type LoginTransaction, transactionCookie } from "../../src/auth/login/transaction.ts";
import { loadConfig } from "../../src/config/config.ts";
import type { Env } from "../../src/config/env.ts";
import { getKeyRing } from "../../src/crypto/key-ring.ts";
import { authorizeUrl } from "../../src/oauth/authorize.ts";
import { codeChallenge, randomToken } from "../../src/oauth/pkce.ts";
import { registrationForLogin } from "../../src/registry/registry.ts";
import { BFF, bff, CookieJar, fullLogin } from "../helpers/bff.ts";
import { approve, fakeState, uniqueHost } from "../helpers/fake.ts";

async function legacyLogin(host: string, jar: CookieJar): Promise<URL> {
  const ring = await getKeyRing(loadConfig(env as Env).sessionKeys);
  const deps = (await buildDeps(env as Env, BFF)).registry;
  const request = {
    host,
    origin: `https://${host}`,
    redirectUri: `${BFF}${LEGACY_CALLBACK_PATH}`,
    scopes: "read write push",
  };
  const registration = await registrationForLogin(deps, request);
  const tx: LoginTransaction = {
    state: stateIn(0, randomToken()),
    verifier: randomToken(),
    host,
    origin: request.origin,
    clientId: registration.clientId,
    redirectUri: registration.redirectUri,
    scopes: registration.scopes,
    returnTo: "/",
    forceLogin: false,
    retried: false,
    expectedAcct: "",
  };
  jar.store(new Response(null, { headers: { "set-cookie": await transactionCookie(tx, ring) } }));
  const url = authorizeUrl(registration, {
    state: tx.state,
    codeChallenge: await codeChallenge(tx.verifier),
    forceLogin: false,
  });
  return approve(url);
}

describe("logins started before per-instance redirect URIs", () => {
  it("finish on the shared callback, and the next login registers the instance's own URI", async () => {
    const host = uniqueHost("mastodon");
    const jar = new CookieJar();
    const back = await legacyLogin(host, jar);
    expect(back.pathname).toBe(LEGACY_CALLBACK_PATH);
    const res = await bff(back.pathname + back.search, { jar });
    expect(res.headers.get("location")).toBe("/");
    expect((await bff("/auth/session", { jar })).status).toBe(200);
    await fullLogin(host, { user: "bob" });
    const apps = (await fakeState(host)).apps.map((a) => a.redirect_uris);
    expect(apps).toEqual([[`${BFF}${LEGACY_CALLBACK_PATH}`], [`${BFF}/auth/callback/${host}`]]);
  });

  it("refuse an answer for them on a per-instance callback", async () => {
    const host = uniqueHost("mastodon");
    const jar = new CookieJar();
    const back = await legacyLogin(host, jar);
    const res = await bff(`/auth/callback/${host}${back.search}`, { jar });
    expect(res.headers.get("location")).toBe("/?auth_error=invalid_callback");
  });
});
