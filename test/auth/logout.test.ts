import { describe, expect, it } from "vitest";
import { bff, fullLogin } from "../helpers/bff.ts";
import { fakeState, uniqueHost } from "../helpers/fake.ts";

describe("session and logout", () => {
  it("answers 401 not_authenticated without a session", async () => {
    const res = await bff("/auth/session");
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: "not_authenticated" });
  });

  it("treats a tampered cookie as no session", async () => {
    const { jar } = await fullLogin(uniqueHost("mastodon"));
    const value = jar.cookies.get("__Host-fedi-bff-session") ?? "";
    jar.cookies.set("__Host-fedi-bff-session", value.slice(0, -3) + (value.endsWith("AAA") ? "BBB" : "AAA"));
    expect((await bff("/auth/session", { jar })).status).toBe(401);
  });

  it("logs out: revokes the token upstream, clears the cookie, 204", async () => {
    const host = uniqueHost("gts");
    const { jar } = await fullLogin(host);
    const res = await bff("/auth/logout", { method: "POST", jar, headers: { "x-csrf": "1" } });
    expect(res.status).toBe(204);
    expect(jar.cookies.size).toBe(0);
    expect((await fakeState(host)).revokedTokens).toBe(1);
    expect((await bff("/auth/session", { jar })).status).toBe(401);
  });

  it("refuses a logout without the CSRF header or a same-origin signal: 403 csrf_required", async () => {
    const { jar } = await fullLogin(uniqueHost("mastodon"));
    const res = await bff("/auth/logout", { method: "POST", jar });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ error: "csrf_required" });
  });

  it("refuses a logout from a foreign origin: 403 forbidden_origin", async () => {
    const { jar } = await fullLogin(uniqueHost("mastodon"));
    const res = await bff("/auth/logout", {
      method: "POST",
      jar,
      headers: { origin: "https://evil.example.org", "x-csrf": "1" },
    });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ error: "forbidden_origin" });
  });
});
