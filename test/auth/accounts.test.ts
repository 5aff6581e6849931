import { afterEach, describe, expect, it, vi } from "vitest";
import { FIELD_BYTES } from "../../src/session/account-budget.ts";
import { SESSION_COOKIE } from "../../src/session/cookies.ts";
import { MAX_ACCOUNTS } from "../../src/session/session.ts";
import { bff, CookieJar, fullLogin, startLogin } from "../helpers/bff.ts";
import { configure, fakeState, injectFault, uniqueHost } from "../helpers/fake.ts";

interface SessionBody {
  instance: string;
  active: string;
  account: { acct: string; username: string };
  accounts: { key: string; instance: string; username: string }[];
}

async function sessionOf(jar: CookieJar): Promise<SessionBody> {
  const res = await bff("/auth/session", { jar });
  expect(res.status).toBe(200);
  return (await res.json()) as SessionBody;
}

const post = (path: string, jar: CookieJar, body?: unknown) =>
  bff(path, {
    method: "POST",
    jar,
    headers: { "x-csrf": "1", "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

describe("multiple accounts", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("keeps the session's absolute lifetime when an account is added later", async () => {
    const { jar } = await fullLogin(uniqueHost("mastodon"));
    const first = ((await (await bff("/auth/session", { jar })).json()) as { expires_at: string }).expires_at;
    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() + 2 * 86_400_000 });
    await fullLogin(uniqueHost("gts"), { jar, user: "bob" });
    const later = (await (await bff("/auth/session", { jar })).json()) as {
      expires_at: string;
      accounts: unknown[];
    };
    expect(later.accounts).toHaveLength(2);
    expect(Math.abs(Date.parse(later.expires_at) - Date.parse(first))).toBeLessThanOrEqual(1000);
  });

  it("adds an account on another instance and makes it active", async () => {
    const first = uniqueHost("mastodon");
    const second = uniqueHost("gts");
    const { jar } = await fullLogin(first);
    await fullLogin(second, { jar, user: "bob" });
    const session = await sessionOf(jar);
    expect(session.accounts.map((a) => a.instance)).toEqual([first, second]);
    expect(session.instance).toBe(second);
    expect(session.account.username).toBe("bob");
  });

  it("sends force_login for a second account on the same instance, and not for the first", async () => {
    const host = uniqueHost("mastodon");
    const { jar, authorize } = await fullLogin(host);
    expect(authorize.searchParams.has("force_login")).toBe(false);
    const { authorize: second } = await fullLogin(host, { jar, user: "bob" });
    expect(second.searchParams.get("force_login")).toBe("true");
    expect((await sessionOf(jar)).accounts.map((a) => a.username)).toEqual(["alice", "bob"]);
  });

  it("replaces (and revokes) the token when the same account signs in again", async () => {
    // GoToSocial issues a new token per login (Mastodon hands out the same one again).
    const host = uniqueHost("gts");
    const { jar } = await fullLogin(host);
    await fullLogin(host, { jar });
    expect((await sessionOf(jar)).accounts).toHaveLength(1);
    expect((await fakeState(host)).revokedTokens).toBe(1);
  });

  it("switches the active account, and refuses an unknown one", async () => {
    const a = uniqueHost("mastodon");
    const b = uniqueHost("mastodon");
    const { jar } = await fullLogin(a);
    await fullLogin(b, { jar });
    const { accounts } = await sessionOf(jar);
    const res = await post("/auth/switch", jar, { account: accounts[0]?.key });
    expect(res.status).toBe(204);
    expect((await sessionOf(jar)).instance).toBe(a);
    const bad = await post("/auth/switch", jar, { account: "1@nowhere.example.net" });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: "invalid_account" });
  });

  it("refuses a switch without the CSRF header", async () => {
    const { jar } = await fullLogin(uniqueHost("mastodon"));
    const res = await bff("/auth/switch?account=x", { method: "POST", jar });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ error: "csrf_required" });
  });

  it("logs out the active account only, then all", async () => {
    const a = uniqueHost("mastodon");
    const b = uniqueHost("gts");
    const c = uniqueHost("akkoma");
    const { jar } = await fullLogin(a);
    await fullLogin(b, { jar });
    await fullLogin(c, { jar });
    expect((await post("/auth/logout", jar)).status).toBe(204);
    expect((await sessionOf(jar)).accounts.map((x) => x.instance)).toEqual([a, b]);
    expect((await fakeState(c)).revokedTokens).toBe(1);
    expect((await post("/auth/logout?all=1", jar)).status).toBe(204);
    expect((await bff("/auth/session", { jar })).status).toBe(401);
    expect((await fakeState(a)).revokedTokens).toBe(1);
    expect((await fakeState(b)).revokedTokens).toBe(1);
  });

  it("holds the maximum of 4 accounts in a cookie under 4,000 bytes, and refuses a fifth", async () => {
    const { jar } = await fullLogin(uniqueHost("mastodon"));
    for (let i = 0; i < 3; i++) await fullLogin(uniqueHost("mastodon"), { jar });
    const cookie = jar.cookies.get("__Host-fedi-bff-session") ?? "";
    expect(`__Host-fedi-bff-session=${cookie}`.length).toBeLessThan(4000);
    const fifth = uniqueHost("mastodon");
    const { callback } = await fullLogin(fifth, { jar });
    expect(callback.headers.get("location")).toBe("/?auth_error=too_many_accounts");
    expect((await sessionOf(jar)).accounts).toHaveLength(4);
    expect((await fakeState(fifth)).revokedTokens).toBe(1);
  });
});

const VERIFY = "/api/v1/accounts/verify_credentials";

/** The instance answers the next verify_credentials (and, if given, the token request) with `account`. */
async function hostileAccount(
  host: string,
  account: Record<string, unknown>,
  token?: Record<string, unknown>,
) {
  await injectFault(host, { path: VERIFY, kind: "status", status: 200, body: account, times: 1 });
  if (token !== undefined) {
    // Registered first (with its app token): the fault then answers the code exchange.
    await startLogin(host, new CookieJar());
    await injectFault(host, { path: "/oauth/token", kind: "status", status: 200, body: token, times: 1 });
  }
}

describe("what one account may add to the session cookie", () => {
  it(`keeps ${MAX_ACCOUNTS} accounts from hostile instances in a cookie under 4,000 bytes`, async () => {
    const jar = new CookieJar();
    for (let i = 0; i < MAX_ACCOUNTS; i++) {
      const host = uniqueHost("mastodon");
      await configure(`https://${host}`, { streamingUrl: `wss://${host}/${"s".repeat(400)}` });
      await hostileAccount(
        host,
        {
          id: "9".repeat(64),
          username: "u".repeat(64),
          acct: "a".repeat(320),
          display_name: "\u0001".repeat(120),
          avatar: `https://${host}/${"p".repeat(480)}`,
          url: `https://${host}/${"q".repeat(480)}`,
        },
        { access_token: "T".repeat(FIELD_BYTES.token - 2), token_type: "Bearer", scope: "read ".repeat(100) },
      );
      const { callback } = await fullLogin(host, { jar });
      expect(callback.headers.get("location")).toBe("/");
    }
    const cookie = jar.cookies.get(SESSION_COOKIE) ?? "";
    expect(`${SESSION_COOKIE}=${cookie}`.length).toBeLessThan(4000);
    const session = await sessionOf(jar);
    expect(session.accounts).toHaveLength(MAX_ACCOUNTS);
  });

  it("signs in an account with a kilobyte token (Pixelfed's JWTs), and keeps the cookie under 4,000 bytes when more come", async () => {
    const jar = new CookieJar();
    const results: string[] = [];
    for (let i = 0; i < MAX_ACCOUNTS; i++) {
      const host = uniqueHost("mastodon");
      await hostileAccount(
        host,
        { id: String(i + 1), username: `user${i}`, acct: `user${i}` },
        { access_token: "J".repeat(1024), token_type: "Bearer" },
      );
      const { callback } = await fullLogin(host, { jar });
      results.push(callback.headers.get("location") ?? "");
    }
    expect(results[0]).toBe("/");
    expect(results).toContain("/?auth_error=too_many_accounts");
    const cookie = jar.cookies.get(SESSION_COOKIE) ?? "";
    expect(`${SESSION_COOKIE}=${cookie}`.length).toBeLessThan(4000);
  });
});

describe("who signed in comes from the instance fedi-bff asked", () => {
  it("keeps only a local acct: an instance cannot pass its user off as alice of another instance", async () => {
    const good = uniqueHost("mastodon");
    const evil = uniqueHost("mastodon");
    const { jar } = await fullLogin(good);
    const [alice] = (await sessionOf(jar)).accounts;
    await hostileAccount(evil, { id: "109000000000000001", username: "alice", acct: `alice@${good}` });
    await fullLogin(evil, { jar });
    const { accounts } = await sessionOf(jar);
    expect(accounts.map((a) => [a.key, a.instance])).toEqual([
      [alice?.key, good],
      [`109000000000000001@${evil}`, evil],
    ]);
    const [, second] = accounts as unknown as { acct: string }[];
    expect(second?.acct).toBe("alice");
  });

  it("refuses an id or username holding '@' (it would name another instance's account)", async () => {
    for (const account of [
      { id: `1@${uniqueHost("mastodon")}`, username: "alice" },
      { id: "1", username: `alice@${uniqueHost("mastodon")}` },
    ]) {
      const host = uniqueHost("mastodon");
      await hostileAccount(host, account);
      const { callback } = await fullLogin(host);
      expect(callback.headers.get("location")).toBe("/?auth_error=account_lookup_failed");
    }
  });
});
