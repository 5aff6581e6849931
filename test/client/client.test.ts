/**
 * The browser client (src/client/, published as fedi-bff/client) against the real app: its fetch
 * is the Worker's own fetch handler through `bff()` with a browser's cookie jar, and its
 * navigation goes to the fake instance's consent page. What a page built on it sees.
 */
import { describe, expect, it } from "vitest";
import { createClient, FediBffError, type Session } from "../../src/client/index.ts";
import { BFF } from "../helpers/bff.ts";
import { fakeState, uniqueHost } from "../helpers/fake.ts";
import { rejectionOf } from "../helpers/rejection.ts";
import { type Browser, browser, comeBack, logIn } from "./support.ts";

async function signedIn(host = uniqueHost("mastodon")): Promise<Browser & { host: string }> {
  const page = browser();
  await logIn(page, host, "/home");
  return { ...page, host };
}

/** Rejects with the FediBffError the promise fails with. */
const failure = (promise: Promise<unknown>) => rejectionOf(promise, FediBffError);

describe("browser client: login and session", () => {
  it("is signed out before a login: session() is null", async () => {
    expect(await browser().client.session()).toBeNull();
  });

  it("logs in with an instance: navigates to its consent page, and comes back signed in", async () => {
    const host = uniqueHost("mastodon");
    const page = browser();
    const url = await page.client.login({ instance: host }, { returnTo: "/home" });
    expect(page.visited).toEqual([url]);
    expect(new URL(url).origin).toBe(`https://${host}`);
    const callback = await comeBack(page);
    expect(callback.headers.get("location")).toBe("/home");
    const session = (await page.client.session()) as Session;
    expect(session.account.username).toBe("alice");
    expect(session.instance).toBe(host);
    expect(session.active).toBe(session.accounts[0]?.key);
  });

  it("sends what fedi-bff requires: X-CSRF, JSON, the cookie (credentials: include), a form POST", async () => {
    const page = browser();
    await page.client.login({ instance: uniqueHost("mastodon") });
    const [start] = page.sent;
    expect(start?.url).toBe(`${BFF}/auth/login`);
    expect(start?.init.method).toBe("POST");
    expect(start?.init.credentials).toBe("include");
    const headers = new Headers(start?.init.headers);
    expect(headers.get("x-csrf")).toBe("1");
    expect(headers.get("accept")).toBe("application/json");
    expect(String(start?.init.body)).toBe(`return_to=%2F&instance=${new URL(page.visited[0] ?? "").host}`);
  });

  it("logs in with a handle, with or without the leading @", async () => {
    for (const spell of ["@", ""]) {
      const host = uniqueHost("mastodon");
      const page = browser();
      await page.client.login({ handle: `${spell}alice@${host}` });
      const webfinger = (await fakeState(host)).requests.filter((r) => r.path === "/.well-known/webfinger");
      expect(webfinger).toHaveLength(1);
      await comeBack(page);
      expect((await page.client.session())?.account.acct).toBe("alice");
    }
  });

  it("never reads a handle as a host: a bare domain as handle is an invalid instance", async () => {
    const error = await failure(browser().client.login({ handle: uniqueHost("mastodon") }));
    expect({ code: error.code, status: error.status }).toEqual({ code: "invalid_instance", status: 400 });
  });

  it("rejects with fedi-bff's code before leaving the page", async () => {
    const page = browser();
    const error = await failure(page.client.login({ instance: "not a host!" }));
    expect({ code: error.code, status: error.status }).toEqual({ code: "invalid_instance", status: 400 });
    expect(error.message).toMatch(/host/i);
    expect(page.visited).toEqual([]);
  });

  it("refuses a return_to fedi-bff does not allow", async () => {
    const page = browser();
    const login = page.client.login(
      { instance: uniqueHost("mastodon") },
      { returnTo: "https://evil.example" },
    );
    expect((await failure(login)).code).toBe("invalid_return_to");
  });

  it("answers with every field its Session type names, and no other", async () => {
    const { client } = await signedIn();
    const session = (await client.session()) as Session;
    const fields: Record<keyof Session, true> = {
      authenticated: true,
      instance: true,
      scopes: true,
      account: true,
      active: true,
      accounts: true,
      expires_at: true,
    };
    expect(Object.keys(session).sort()).toEqual(Object.keys(fields).sort());
    expect(Object.keys(session.account).sort()).toEqual(
      ["acct", "avatar", "display_name", "id", "url", "username"].sort(),
    );
    expect(Object.keys(session.accounts[0] ?? {}).sort()).toEqual(
      ["acct", "avatar", "display_name", "id", "instance", "key", "url", "username"].sort(),
    );
  });

  it("switches between two accounts and logs out one, then all", async () => {
    const first = await signedIn();
    const second = uniqueHost("mastodon");
    await first.client.login({ instance: second });
    await comeBack(first, "bob");
    const both = (await first.client.session()) as Session;
    expect(both.accounts).toHaveLength(2);
    expect(both.instance).toBe(second);
    const alice = both.accounts.find((a) => a.instance === first.host)?.key ?? "";
    await first.client.switchAccount(alice);
    expect((await first.client.session())?.active).toBe(alice);
    expect((await failure(first.client.switchAccount("nobody@nowhere.example"))).code).toBe(
      "invalid_account",
    );

    await first.client.logout();
    const left = (await first.client.session()) as Session;
    expect(left.accounts.map((a) => a.instance)).toEqual([second]);
    await first.client.login({ instance: first.host });
    await comeBack(first);
    await first.client.logout({ all: true });
    expect(await first.client.session()).toBeNull();
    expect((await fakeState(first.host)).liveUserTokens).toBe(0);
    expect((await fakeState(second)).liveUserTokens).toBe(0);
  });
});

describe("browser client: API calls", () => {
  it("pages the home timeline through the rewritten Link header", async () => {
    const { client } = await signedIn();
    const first = await client.page<{ id: string }>("/api/v1/timelines/home?limit=20");
    expect(first.items).toHaveLength(20);
    expect(first.next).toMatch(new RegExp(`^${BFF}/api/v1/timelines/home\\?.*max_id=`));
    const second = await client.page<{ id: string }>(first.next ?? "");
    expect(second.items).toHaveLength(20);
    const ids = [...first.items, ...second.items].map((s) => s.id);
    expect(new Set(ids).size).toBe(40);
  });

  it("posts JSON and gets the status back", async () => {
    const { client, host } = await signedIn();
    const res = await client.api("/api/v1/statuses", {
      method: "POST",
      headers: { "Content-Type": "application/json", "Idempotency-Key": crypto.randomUUID() },
      body: JSON.stringify({ status: "from the client" }),
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { content: string }).content).toContain("from the client");
    expect(
      (await fakeState(host)).requests.some((r) => r.method === "POST" && r.path === "/api/v1/statuses"),
    ).toBe(true);
  });

  it("uses another account of the session for one call (X-Account)", async () => {
    const page = await signedIn();
    const alice = ((await page.client.session()) as Session).active;
    await page.client.login({ instance: uniqueHost("mastodon") });
    await comeBack(page, "bob");
    const me = await page.client.api("/api/v1/accounts/verify_credentials", { account: alice });
    expect(((await me.json()) as { username: string }).username).toBe("alice");
    const active = await page.client.api("/api/v1/accounts/verify_credentials");
    expect(((await active.json()) as { username: string }).username).toBe("bob");
  });

  it("rejects a signed-out call with not_authenticated (401)", async () => {
    const error = await failure(browser().client.api("/api/v1/timelines/home"));
    expect({ code: error.code, status: error.status }).toEqual({ code: "not_authenticated", status: 401 });
  });

  it("passes the instance's own error on without a fedi-bff code", async () => {
    const { client } = await signedIn();
    const error = await failure(
      client.api("/api/v1/statuses", { method: "POST", body: new URLSearchParams({ status: " " }) }),
    );
    expect({ code: error.code, status: error.status }).toEqual({ code: null, status: 422 });
    expect(error.message).toBe("Validation failed: Text can't be blank");
    expect(error.body).toEqual({ error: "Validation failed: Text can't be blank" });
  });

  it("never sends the cookie or X-CSRF anywhere but fedi-bff", async () => {
    const page = browser();
    for (const url of ["https://evil.example/api/v1/timelines/home", "//evil.example/api/v1/x"]) {
      await expect(page.client.api(url)).rejects.toThrow(TypeError);
    }
    expect(page.sent).toEqual([]);
  });

  it("names the streaming WebSocket on fedi-bff", () => {
    const { client } = browser();
    expect(client.streamingUrl({ stream: "hashtag", tag: "café" })).toBe(
      "wss://bff.example.com/api/v1/streaming?stream=hashtag&tag=caf%C3%A9",
    );
    const local = createClient({ baseUrl: "http://127.0.0.1:8787/some/page" });
    expect(local.origin).toBe("http://127.0.0.1:8787");
    expect(local.streamingUrl({ stream: "user" })).toBe("ws://127.0.0.1:8787/api/v1/streaming?stream=user");
  });

  it("needs a base URL outside a page", () => {
    expect(() => createClient()).toThrow(/baseUrl/);
  });

  it("drops an account whose instance the operator excluded since, and shows the others", async () => {
    const first = await signedIn();
    const second = uniqueHost("mastodon");
    await first.client.login({ instance: second });
    await comeBack(first, "bob");
    const listed = browser({ jar: first.jar, env: { INSTANCE_DENYLIST: second } });
    const left = (await listed.client.session()) as Session;
    expect(left.accounts.map((a) => a.instance)).toEqual([first.host]);
    expect(listed.sent.map((r) => new URL(r.url).pathname)).toEqual(["/auth/session", "/auth/session"]);
    const none = browser({ jar: first.jar, env: { INSTANCE_DENYLIST: `${first.host},${second}` } });
    expect(await none.client.session()).toBeNull();
  });
});
