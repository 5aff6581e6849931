import { describe, expect, it } from "vitest";
import {
  approve,
  configure,
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

/**
 * Whether a fetch failed at the network level. Miniflare turns an exception in the outbound router
 * into a 500 "TypeError: fetch failed" response rather than a rejected fetch.
 */
async function networkFailed(request: Promise<Response>): Promise<boolean> {
  try {
    const res = await request;
    return res.status === 500 && (await res.text()).includes("fetch failed");
  } catch {
    return true;
  }
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

describe("token exchange quirks", () => {
  it("accepts a code only once", async () => {
    const origin = uniqueOrigin("mastodon");
    const { exchange } = await authorizedCode(origin);
    expect((await fetch(`${origin}/oauth/token`, form(exchange))).status).toBe(200);
    const again = await fetch(`${origin}/oauth/token`, form(exchange));
    expect(again.status).toBe(400);
    expect(await again.json()).toMatchObject({ error: "invalid_grant" });
  });

  it("refuses a PKCE mismatch on Mastodon and burns the code", async () => {
    const origin = uniqueOrigin("mastodon");
    const { exchange } = await authorizedCode(origin);
    const bad = await fetch(`${origin}/oauth/token`, form({ ...exchange, code_verifier: "w".repeat(50) }));
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: "invalid_grant" });
    expect((await fetch(`${origin}/oauth/token`, form(exchange))).status).toBe(400);
  });

  it("does not enforce PKCE on GoToSocial", async () => {
    const origin = uniqueOrigin("gts");
    const { exchange } = await authorizedCode(origin);
    const res = await fetch(`${origin}/oauth/token`, form({ ...exchange, code_verifier: "w".repeat(50) }));
    expect(res.status).toBe(200);
  });

  it("answers a wrong client_secret with each server's status", async () => {
    const expected: [Flavour, number, unknown][] = [
      ["mastodon", 401, { error: "invalid_client" }],
      ["oldmasto", 401, { error: "invalid_client" }],
      ["gts", 400, { error: "invalid_client" }],
      ["akkoma", 400, { error: "Invalid credentials" }],
    ];
    for (const [flavour, status, body] of expected) {
      const origin = uniqueOrigin(flavour);
      const { exchange } = await authorizedCode(origin);
      const res = await fetch(`${origin}/oauth/token`, form({ ...exchange, client_secret: "nope" }));
      expect([flavour, res.status]).toEqual([flavour, status]);
      expect(await res.json()).toMatchObject(body as object);
    }
  });

  it("keeps the code after a failed exchange on GoToSocial, and rejects a scope parameter", async () => {
    const origin = uniqueOrigin("gts");
    const { exchange } = await authorizedCode(origin);
    const withScope = await fetch(`${origin}/oauth/token`, form({ ...exchange, scope: "read" }));
    expect(withScope.status).toBe(400);
    expect(((await withScope.json()) as { error: string }).error).toMatch(/^invalid_request: /);
    expect((await fetch(`${origin}/oauth/token`, form({ ...exchange, client_secret: "x" }))).status).toBe(
      400,
    );
    expect((await fetch(`${origin}/oauth/token`, form(exchange))).status).toBe(200);
  });

  it("issues app tokens that only app endpoints accept", async () => {
    const origin = uniqueOrigin("gts");
    const app = await register(origin);
    const creds = {
      grant_type: "client_credentials",
      client_id: app.client_id,
      client_secret: app.client_secret,
    };
    expect((await fetch(`${origin}/oauth/token`, form(creds))).status).toBe(400);
    const res = await fetch(`${origin}/oauth/token`, form({ ...creds, redirect_uri: REDIRECT }));
    const token = (await res.json()) as { access_token: string; expires_in: number };
    expect(token.expires_in).toBe(7200);
    const me = await fetch(`${origin}/api/v1/accounts/verify_credentials`, bearer(token.access_token));
    expect(me.status).toBe(422);
    expect(await me.json()).toEqual({ error: "This method requires an authenticated user" });
    expect((await fetch(`${origin}/api/v1/apps/verify_credentials`, bearer(token.access_token))).status).toBe(
      404,
    );
  });
});

describe("registration and authorize quirks", () => {
  it("answers 418 on GoToSocial when the User-Agent is missing", async () => {
    const origin = uniqueOrigin("gts");
    expect((await fetch(`${origin}/api/v2/instance`)).status).toBe(418);
    expect((await fetch(`${origin}/api/v2/instance`, { headers: UA })).status).toBe(200);
    expect((await fetch(`${uniqueOrigin("mastodon")}/api/v2/instance`)).status).toBe(200);
  });

  it("rejects an array of redirect_uris on GoToSocial but not on Mastodon", async () => {
    const body = JSON.stringify({ client_name: "t", redirect_uris: [REDIRECT], scopes: "read" });
    const init = { method: "POST", headers: { ...UA, "content-type": "application/json" }, body };
    expect((await fetch(`${uniqueOrigin("gts")}/api/v1/apps`, init)).status).toBe(400);
    const masto = await fetch(`${uniqueOrigin("mastodon")}/api/v1/apps`, init);
    expect(masto.status).toBe(200);
    expect(await masto.json()).toMatchObject({ redirect_uris: [REDIRECT], scopes: ["read"] });
  });

  it("ignores a registration sent in the query string", async () => {
    const origin = uniqueOrigin("mastodon");
    const q = new URLSearchParams({ client_name: "t", redirect_uris: REDIRECT });
    const res = await fetch(`${origin}/api/v1/apps?${q}`, { method: "POST", headers: UA });
    expect(res.status).toBe(422);
  });

  it("requires PKCE on Mastodon 4.4 and checks redirect_uri and scope", async () => {
    const origin = uniqueOrigin("mastodon");
    const app = await register(origin, "read");
    const noPkce = await approve(authorizeUrl(origin, app.client_id, { scope: "read" }));
    expect(noPkce.searchParams.get("error")).toBe("invalid_request");
    const pkce = { code_challenge: "x".repeat(43), code_challenge_method: "S256" };
    const scope = await approve(authorizeUrl(origin, app.client_id, { ...pkce, scope: "read write" }));
    expect(scope.searchParams.get("error")).toBe("invalid_scope");
    const wrong = await fetch(
      authorizeUrl(origin, app.client_id, { ...pkce, redirect_uri: "https://evil.example/" }),
    );
    expect(wrong.status).toBe(400);
    const denied = await approve(authorizeUrl(origin, app.client_id, { ...pkce, scope: "read" }), {
      deny: true,
    });
    expect(denied.searchParams.get("error")).toBe("access_denied");
    expect(denied.searchParams.get("state")).toBe("st4te");
    const old = uniqueOrigin("oldmasto");
    const oldApp = await register(old, "read");
    expect(
      (await approve(authorizeUrl(old, oldApp.client_id, { scope: "read" }))).searchParams.has("code"),
    ).toBe(true);
  });

  it("answers 403 to an unregistered redirect_uri on GoToSocial", async () => {
    const origin = uniqueOrigin("gts");
    const app = await register(origin);
    const res = await fetch(authorizeUrl(origin, app.client_id, { redirect_uri: "https://evil.example/" }), {
      headers: UA,
    });
    expect(res.status).toBe(403);
  });

  it("hands Akkoma's token back in the URL when a session exists, unless force_login", async () => {
    const origin = uniqueOrigin("akkoma");
    const app = await register(origin);
    const quirk = await approve(authorizeUrl(origin, app.client_id), { akkomaSession: true });
    const token = quirk.searchParams.get("access_token") ?? "";
    expect(quirk.searchParams.has("code")).toBe(false);
    expect((await fetch(`${origin}/api/v1/accounts/verify_credentials`, bearer(token))).status).toBe(200);
    const forced = await approve(authorizeUrl(origin, app.client_id, { force_login: "true" }), {
      akkomaSession: true,
    });
    expect(forced.searchParams.has("code")).toBe(true);
    expect(forced.searchParams.has("access_token")).toBe(false);
  });
});

describe("the authenticated API", () => {
  it("pages the home timeline with Mastodon's Link header", async () => {
    const origin = uniqueOrigin("mastodon");
    const token = await login(origin);
    let url: string | undefined = `${origin}/api/v1/timelines/home`;
    const sizes: number[] = [];
    let firstPrev = "";
    while (url) {
      const res: Response = await fetch(url, bearer(token));
      const items = (await res.json()) as { id: string }[];
      if (!items.length) break;
      sizes.push(items.length);
      const link: string = res.headers.get("link") ?? "";
      firstPrev ||= /<([^>]+)>; rel="prev"/.exec(link)?.[1] ?? "";
      url = /<([^>]+)>; rel="next"/.exec(link)?.[1];
    }
    expect(sizes).toEqual([20, 20, 5]);
    expect(firstPrev).toMatch(new RegExp(`^${origin}/api/v1/timelines/home\\?min_id=\\d+$`));
  });

  it("posts statuses idempotently and checks scopes and token state", async () => {
    const origin = uniqueOrigin("mastodon");
    const token = await login(origin);
    const post = (body: unknown, key = "k1") =>
      fetch(`${origin}/api/v1/statuses`, {
        method: "POST",
        headers: { ...bearer(token).headers, "content-type": "application/json", "idempotency-key": key },
        body: JSON.stringify(body),
      });
    const first = (await (await post({ status: "hello" })).json()) as { id: string };
    const second = (await (await post({ status: "hello" })).json()) as { id: string };
    expect(second.id).toBe(first.id);
    expect((await post({ status: "" }, "k2")).status).toBe(422);
    const home = (await (await fetch(`${origin}/api/v1/timelines/home?limit=1`, bearer(token))).json()) as {
      id: string;
    }[];
    expect(home[0]?.id).toBe(first.id);
    await revokeTokens(origin, token);
    const after = await fetch(`${origin}/api/v1/accounts/verify_credentials`, bearer(token));
    expect(after.status).toBe(401);
    expect(await after.json()).toEqual({ error: "The access token is invalid" });
    expect((await fakeState(origin)).revokedTokens).toBe(1);
  });

  it("kills tokens with their app and revokes idempotently", async () => {
    const origin = uniqueOrigin("mastodon");
    const { exchange, app } = await authorizedCode(origin);
    const token = (
      (await (await fetch(`${origin}/oauth/token`, form(exchange))).json()) as { access_token: string }
    ).access_token;
    const revoke = { client_id: app.client_id, client_secret: app.client_secret, token };
    expect((await fetch(`${origin}/oauth/revoke`, form({ ...revoke, client_secret: "x" }))).status).toBe(403);
    expect((await fetch(`${origin}/oauth/revoke`, form(revoke))).status).toBe(200);
    expect((await fetch(`${origin}/oauth/revoke`, form(revoke))).status).toBe(200);
    const other = await login(origin);
    const apps = (await fakeState(origin)).apps;
    await deleteApp(origin, apps[1]?.client_id ?? "");
    expect((await fetch(`${origin}/api/v1/accounts/verify_credentials`, bearer(other))).status).toBe(401);
  });

  it("counts streamed upload bytes and answers 202", async () => {
    const origin = uniqueOrigin("mastodon");
    const token = await login(origin);
    const data = new FormData();
    data.set("file", new Blob([new Uint8Array(300_000)], { type: "image/png" }), "a.png");
    data.set("description", "a cat");
    const res = await fetch(`${origin}/api/v2/media`, { method: "POST", body: data, ...bearer(token) });
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ type: "image", url: null, description: "a cat" });
    const [upload] = (await fakeState(origin)).uploads;
    expect(upload?.bytes).toBeGreaterThan(300_000);
    expect(upload?.firstByteAt).toBeTypeOf("number");
    expect(upload?.endAt).toBeGreaterThanOrEqual(upload?.firstByteAt ?? 0);
  });

  it("requires a token for public endpoints only on GoToSocial", async () => {
    const masto = uniqueOrigin("mastodon");
    expect((await fetch(`${masto}/api/v1/accounts/lookup?acct=alice`)).status).toBe(200);
    const gts = uniqueOrigin("gts");
    expect((await fetch(`${gts}/api/v1/timelines/public`, { headers: UA })).status).toBe(401);
  });
});

describe("faults", () => {
  it("produces each kind of broken answer", async () => {
    const origin = uniqueOrigin("mastodon");
    const at = (path: string) => `${origin}${path}`;
    await injectFault(origin, { path: "/s", kind: "status", status: 503 });
    await injectFault(origin, { path: "/h", kind: "html200" });
    await injectFault(origin, { path: "/api/v2/instance", kind: "truncated_json", times: 1 });
    await injectFault(origin, { path: "/api/v1/instance", kind: "drop_field", field: "uri" });
    await injectFault(origin, { path: "/api/v1/apps", method: "POST", kind: "rate_limit" });
    await injectFault(origin, { path: "/r*", kind: "redirect", location: "https://elsewhere.example/" });
    await injectFault(origin, { path: "/big", kind: "huge_json" });
    await injectFault(origin, { path: "/hang", kind: "hang" });
    await injectFault(origin, { path: "/reset", kind: "reset" });
    const s = await fetch(at("/s"));
    expect([s.status, s.headers.get("content-type")]).toEqual([503, "text/html; charset=utf-8"]);
    expect(await s.text()).toMatch(/^<html>/);
    expect((await fetch(at("/h"))).headers.get("content-type")).toMatch(/^text\/html/);
    await expect((await fetch(at("/api/v2/instance"))).json()).rejects.toThrow();
    expect((await fetch(at("/api/v2/instance"))).status).toBe(200);
    expect(await (await fetch(at("/api/v1/instance"))).json()).not.toHaveProperty("uri");
    const limited = await fetch(at("/api/v1/apps"), form({ client_name: "t", redirect_uris: REDIRECT }));
    expect([limited.status, limited.headers.get("retry-after")]).toEqual([429, "120"]);
    expect(await limited.json()).toEqual({ error: "Too many requests" });
    const moved = await fetch(at("/redirect-me"), { redirect: "manual" });
    expect([moved.status, moved.headers.get("location")]).toEqual([302, "https://elsewhere.example/"]);
    expect((await (await fetch(at("/big"))).arrayBuffer()).byteLength).toBeGreaterThan(10_000_000);
    await expect(fetch(at("/hang"), { signal: AbortSignal.timeout(200) })).rejects.toThrow();
    expect(await networkFailed(fetch(at("/reset")))).toBe(true);
  });

  it("fails closed for hosts that are no fake instance", async () => {
    expect(await networkFailed(fetch("https://not-a-fake.example.org/api/v1/instance"))).toBe(true);
    expect(await unexpectedHosts()).toContain("not-a-fake.example.org");
  });
});

describe("streaming", () => {
  it("streams Server-Sent Events and delivers pushed events", async () => {
    const origin = uniqueOrigin("mastodon");
    const token = await login(origin);
    const res = await fetch(`${origin}/api/v1/streaming/user?access_token=${token}`);
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    const reader = (res.body as ReadableStream<Uint8Array>).pipeThrough(new TextDecoderStream()).getReader();
    let text = "";
    while (!text.includes("event: update")) text += (await reader.read()).value ?? "";
    expect(text.startsWith(":)\n\n")).toBe(true);
    expect((await pushEvent(origin, { event: "notification", payload: { id: "1" } })).delivered).toBe(1);
    while (!text.includes("event: notification")) text += (await reader.read()).value ?? "";
    expect(text).toContain('event: notification\ndata: {"id":"1"}\n\n');
    await reader.cancel();
    const refused = await fetch(`${origin}/api/v1/streaming/user?access_token=nope`);
    expect(refused.status).toBe(401);
  });

  it("greets over a WebSocket and speaks Mastodon's subscribe protocol (no echo)", async () => {
    const origin = uniqueOrigin("mastodon");
    const token = await login(origin);
    const res = await fetch(`${origin}/api/v1/streaming?stream=user`, {
      headers: { upgrade: "websocket", authorization: `Bearer ${token}` },
    });
    const ws = res.webSocket;
    if (!ws) throw new Error(`no WebSocket (${res.status})`);
    const messages: { event: string; payload: string; stream?: string[] }[] = [];
    const refused = new Promise<void>((resolve) => {
      ws.addEventListener("message", (e) => {
        messages.push(JSON.parse(String(e.data)));
        if (messages.some((m) => "error" in m)) resolve();
      });
    });
    ws.accept();
    ws.send("ping"); // not a protocol message: ignored
    ws.send(JSON.stringify({ type: "subscribe", stream: "public" }));
    ws.send(JSON.stringify({ type: "subscribe", stream: "bogus" }));
    await refused;
    expect(messages[0]).toMatchObject({ event: "update", stream: ["user"] });
    expect(JSON.parse(messages[0]?.payload ?? "")).toHaveProperty("content");
    // Messages arrive in order: "ping" got nothing, "public" nothing, "bogus" the error.
    expect(messages.slice(1)).toEqual([{ error: "Unknown stream type", status: 400 }]);
    const both = new Promise<void>((resolve) => {
      ws.addEventListener("message", () => {
        if (messages.filter((m) => m.event === "delete").length === 2) resolve();
      });
    });
    expect((await pushEvent(origin, { event: "delete", payload: "7" })).delivered).toBe(1);
    await both;
    expect(messages.filter((m) => m.event === "delete").map((m) => m.stream)).toEqual([["user"], ["public"]]);
    ws.close(1000);
    // A refused upgrade (401) is not exercised here: after a non-101 answer to an upgrade request,
    // workerd's next outbound request on that connection hangs (a workerd/miniflare quirk).
  });

  it("advertises the streaming URL, overridable per origin", async () => {
    const origin = uniqueOrigin("mastodon");
    const read = async () =>
      (
        (await (await fetch(`${origin}/api/v2/instance`)).json()) as {
          configuration: { urls: { streaming: string } };
        }
      ).configuration.urls.streaming;
    expect(await read()).toBe(origin.replace("https://", "wss://"));
    await configure(origin, { streamingUrl: "wss://streaming.example.net" });
    expect(await read()).toBe("wss://streaming.example.net");
  });
});

describe("browser sign-in, WebFinger and the request log", () => {
  it("signs in through HTML pages, honouring force_login on Mastodon", async () => {
    const origin = uniqueOrigin("mastodon");
    const app = await register(origin);
    const url = authorizeUrl(origin, app.client_id, {
      code_challenge: "c".repeat(43),
      code_challenge_method: "S256",
    });
    const signInPage = await (await fetch(url)).text();
    expect(signInPage).toContain('id="username"');
    const query = new URL(url).searchParams.toString();
    const signIn = (password: string) =>
      fetch(`${origin}/auth/sign_in`, {
        ...form({ username: "alice", password, authorize_query: query }),
        redirect: "manual",
      });
    expect(await (await signIn("wrong")).text()).toContain("Invalid username or password");
    const ok = await signIn("password");
    expect(ok.status).toBe(303);
    const cookie = (ok.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
    expect(ok.headers.get("set-cookie")).toContain("HttpOnly");
    const consent = await (await fetch(url, { headers: { cookie } })).text();
    expect(consent).toContain('id="authorize"');
    const fields = Object.fromEntries(new URL(url).searchParams);
    const decided = await fetch(`${origin}/oauth/authorize`, {
      ...form({ ...fields, decision: "approve" }),
      headers: { ...UA, cookie, "content-type": "application/x-www-form-urlencoded" },
      redirect: "manual",
    });
    expect(decided.status).toBe(302);
    expect(new URL(decided.headers.get("location") ?? "").searchParams.has("code")).toBe(true);
    const forced = await fetch(`${url}&force_login=true`, { headers: { cookie } });
    expect(await forced.text()).toContain('id="sign-in"');
  });

  it("answers WebFinger and host-meta for seeded users, with a separate web host", async () => {
    const origin = uniqueOrigin("mastodon");
    const host = new URL(origin).host;
    const wf = await fetch(`${origin}/.well-known/webfinger?resource=acct:alice@${host}`);
    expect(wf.headers.get("content-type")).toMatch(/^application\/jrd\+json/);
    expect(await wf.json()).toMatchObject({ subject: `acct:alice@${host}` });
    expect((await fetch(`${origin}/.well-known/webfinger?resource=acct:mallory@${host}`)).status).toBe(404);
    const web = uniqueOrigin("mastodon");
    await configure(origin, { webfinger: { webOrigin: web } });
    const jrd = (await (await fetch(`${origin}/.well-known/webfinger?resource=acct:bob@${host}`)).json()) as {
      links: { rel: string; href?: string }[];
    };
    expect(jrd.links.find((l) => l.rel === "self")?.href).toBe(`${web}/users/bob`);
    expect(await (await fetch(`${origin}/.well-known/host-meta`)).text()).toContain(
      `template="${web}/.well-known/webfinger?resource={uri}"`,
    );
    await configure(origin, { webfinger: { redirectTo: web } });
    const moved = await fetch(`${origin}/.well-known/webfinger?resource=acct:bob@${host}`, {
      redirect: "manual",
    });
    expect(moved.status).toBe(301);
  });

  it("logs requests with the Authorization header redacted", async () => {
    const origin = uniqueOrigin("mastodon");
    await fetch(`${origin}/api/v1/timelines/home?limit=2`, bearer("secret-token"));
    const [logged] = (await fakeState(origin)).requests;
    expect(logged).toMatchObject({ method: "GET", path: "/api/v1/timelines/home", query: { limit: "2" } });
    expect(logged?.headers.authorization).toBe("Bearer <redacted>");
  });
});

describe("snac's token endpoint", () => {
  it("answers client_credentials before anyone signed in with a token of nobody, which opens no account", async () => {
    const origin = uniqueOrigin("snac");
    const app = await register(origin);
    const res = await fetch(
      `${origin}/oauth/token`,
      form({
        grant_type: "client_credentials",
        client_id: app.client_id,
        client_secret: app.client_secret,
        redirect_uri: REDIRECT,
      }),
    );
    expect(res.status).toBe(200);
    const { access_token } = (await res.json()) as { access_token: string };
    const me = await fetch(`${origin}/api/v1/accounts/verify_credentials`, {
      headers: { ...UA, authorization: `Bearer ${access_token}` },
    });
    expect(me.status).toBe(422);
    expect(await me.text()).toBe("");
  });
});
