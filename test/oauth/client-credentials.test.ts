import { describe, expect, it } from "vitest";
import { grantAppToken } from "../../src/oauth/client-credentials.ts";
import { empty, json, REGISTRATION, scripted } from "./support.ts";

const NOW = 1_800_000_000;

describe("grantAppToken", () => {
  it("asks for a read app token with the redirect_uri GoToSocial requires", async () => {
    const { ctx, seen } = scripted(json(200, { access_token: "app-1", expires_in: 7200 }));
    const grant = await grantAppToken(ctx, REGISTRATION, NOW);
    expect(grant).toEqual({ status: "alive", token: { token: "app-1", expiresAt: NOW + 7200 - 60 } });
    expect(seen[0]?.url).toBe(REGISTRATION.endpoints.token);
    expect(Object.fromEntries(seen[0]?.form ?? [])).toEqual({
      grant_type: "client_credentials",
      client_id: "client-1",
      client_secret: "secret-1",
      redirect_uri: REGISTRATION.redirectUri,
      scope: "read",
    });
  });

  it("renews a token without an expiry after thirty days", async () => {
    const { ctx } = scripted(json(200, { access_token: "app-1" }));
    const grant = await grantAppToken(ctx, REGISTRATION, NOW);
    expect(grant).toEqual({ status: "alive", token: { token: "app-1", expiresAt: NOW + 30 * 86_400 - 60 } });
  });

  it("calls the client dead on a 401 with an empty body", async () => {
    expect(await grantAppToken(scripted(empty(401)).ctx, REGISTRATION, NOW)).toEqual({ status: "dead" });
  });

  it("calls the client dead on invalid_client (Mastodon, GoToSocial) and Invalid credentials (Akkoma)", async () => {
    for (const error of ["invalid_client", "Invalid credentials"]) {
      const { ctx } = scripted(json(400, { error }));
      expect(await grantAppToken(ctx, REGISTRATION, NOW)).toEqual({ status: "dead" });
    }
  });

  it("knows nothing from another 400, a 5xx, a malformed token or a network failure", async () => {
    for (const answer of [
      json(400, { error: "invalid_scope" }),
      empty(503),
      json(200, { access_token: "" }),
      () => Promise.reject(new Error("connection refused")),
    ]) {
      const grant = await grantAppToken(scripted(answer).ctx, REGISTRATION, NOW);
      expect(grant.status).toBe("unknown");
    }
  });
});
