import { describe, expect, it } from "vitest";
import {
  approve,
  deleteApp,
  type Flavour,
  fakeState,
  injectFault,
  pushEvent,
  revokeTokens,
  unexpectedHosts,
  uniqueOrigin,
} from "./helpers/fake.ts";

const UA = { "user-agent": "fake-instance-test/1.0" };
const REDIRECT = "https://bff.example.com/callback";

async function s256(verifier: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
  return btoa(String.fromCharCode(...new Uint8Array(digest)))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
}

const form = (fields: Record<string, string>): RequestInit => ({
  method: "POST",
  headers: { ...UA, "content-type": "application/x-www-form-urlencoded" },
  body: new URLSearchParams(fields),
});

async function register(origin: string, scopes = "read write push") {
  const res = await fetch(
    `${origin}/api/v1/apps`,
    form({ client_name: "t", redirect_uris: REDIRECT, scopes }),
  );
  expect(res.status).toBe(200);
  return (await res.json()) as { client_id: string; client_secret: string; redirect_uris?: string[] };
}

function authorizeUrl(origin: string, clientId: string, extra: Record<string, string> = {}): string {
  const q = new URLSearchParams({ client_id: clientId, redirect_uri: REDIRECT, response_type: "code" });
  q.set("scope", "read write push");
  q.set("state", "st4te");
  for (const [k, v] of Object.entries(extra)) q.set(k, v);
  return `${origin}/oauth/authorize?${q}`;
}

/** Registers, approves as alice with PKCE, and returns what a token exchange needs. */
async function authorizedCode(origin: string) {
  const app = await register(origin);
  const verifier = "v".repeat(50);
  const challenge = await s256(verifier);
  const loc = await approve(
    authorizeUrl(origin, app.client_id, { code_challenge: challenge, code_challenge_method: "S256" }),
  );
  const code = loc.searchParams.get("code") ?? "";
  const exchange = {
    grant_type: "authorization_code",
    code,
    client_id: app.client_id,
    client_secret: app.client_secret,
    redirect_uri: REDIRECT,
    code_verifier: verifier,
  };
  return { app, loc, exchange };
}

async function login(origin: string): Promise<string> {
  const { exchange } = await authorizedCode(origin);
  const res = await fetch(`${origin}/oauth/token`, form(exchange));
  expect(res.status).toBe(200);
  return ((await res.json()) as { access_token: string }).access_token;
}

const bearer = (token: string) => ({ headers: { ...UA, authorization: `Bearer ${token}` } });

describe("the full flow works on every Mastodon-API flavour", () => {
  for (const flavour of ["mastodon", "oldmasto", "gts", "akkoma"] as Flavour[]) {
    it(`registers, approves, exchanges and verifies on ${flavour}`, async () => {
      const origin = uniqueOrigin(flavour);
      const { loc, exchange } = await authorizedCode(origin);
      expect(loc.origin + loc.pathname).toBe(REDIRECT);
      expect(loc.searchParams.get("state")).toBe("st4te");
      const res = await fetch(`${origin}/oauth/token`, form(exchange));
      expect(res.status).toBe(200);
      const token = (await res.json()) as Record<string, unknown>;
      expect(token).toMatchObject({ token_type: "Bearer", scope: "read write push" });
      const me = await fetch(
        `${origin}/api/v1/accounts/verify_credentials`,
        bearer(String(token.access_token)),
      );
      expect(me.status).toBe(200);
      const account = (await me.json()) as Record<string, unknown>;
      expect(account).toMatchObject({ username: "alice", acct: "alice", url: `${origin}/@alice` });
      expect(account.source).toBeTypeOf("object");
      const state = await fakeState(origin);
      expect(state).toMatchObject({ registrations: 1, codesIssued: 1, tokensIssued: 1 });
    });
  }

  it("publishes RFC 8414 metadata only on Mastodon 4.4", async () => {
    const masto = uniqueOrigin("mastodon");
    const meta = (await (await fetch(`${masto}/.well-known/oauth-authorization-server`)).json()) as Record<
      string,
      unknown
    >;
    expect(meta.token_endpoint).toBe(`${masto}/oauth/token`);
    expect(meta.code_challenge_methods_supported).toEqual(["S256"]);
    for (const f of ["oldmasto", "gts", "akkoma"] as Flavour[]) {
      const res = await fetch(`${uniqueOrigin(f)}/.well-known/oauth-authorization-server`, { headers: UA });
      expect(res.status).toBe(404);
    }
  });

  it("names the software in nodeinfo and has no Mastodon API on Misskey", async () => {
    const origin = uniqueOrigin("misskey");
    const links = (await (await fetch(`${origin}/.well-known/nodeinfo`)).json()) as {
      links: { href: string }[];
    };
    expect(links.links[0]?.href).toBe(`${origin}/nodeinfo/2.0`);
    const info = (await (await fetch(`${origin}/nodeinfo/2.0`)).json()) as { software: { name: string } };
    expect(info.software.name).toBe("misskey");
    const apps = await fetch(`${origin}/api/v1/apps`, form({ client_name: "t", redirect_uris: REDIRECT }));
    expect(apps.status).toBe(404);
  });
});
