import { describe, expect, it } from "vitest";
import { revokeToken } from "../../src/oauth/revoke.ts";
import { empty, REGISTRATION, scripted } from "./support.ts";

describe("revokeToken", () => {
  it("posts the token with the client credentials and reports a 200 as revoked", async () => {
    const { ctx, seen } = scripted(empty(200));
    expect(await revokeToken(ctx, REGISTRATION, "tok-1")).toBe(true);
    expect(seen[0]?.url).toBe(REGISTRATION.endpoints.revoke);
    expect(seen[0]?.method).toBe("POST");
    expect(Object.fromEntries(seen[0]?.form ?? [])).toEqual({
      client_id: "client-1",
      client_secret: "secret-1",
      token: "tok-1",
    });
  });

  it("reports a refusal or a network failure as not revoked, without throwing", async () => {
    expect(await revokeToken(scripted(empty(403)).ctx, REGISTRATION, "tok")).toBe(false);
    const down = scripted(() => Promise.reject(new Error("connection refused")));
    expect(await revokeToken(down.ctx, REGISTRATION, "tok")).toBe(false);
  });
});
