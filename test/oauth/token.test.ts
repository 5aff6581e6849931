import { describe, expect, it } from "vitest";
import { BffError } from "../../src/errors.ts";
import { exchangeCode, isDeadClient } from "../../src/oauth/token.ts";
import { rejectionOf } from "../helpers/rejection.ts";
import { empty, json, REGISTRATION, scripted } from "./support.ts";

const failure = (promise: Promise<unknown>) => rejectionOf(promise, BffError);

describe("exchangeCode", () => {
  it("posts the code, verifier and client credentials as a form and returns the bearer token", async () => {
    const { ctx, seen } = scripted(json(200, { access_token: "tok-1", token_type: "Bearer", scope: "read" }));
    const tokens = await exchangeCode(ctx, REGISTRATION, "code-1", "verifier-1");
    expect(tokens).toEqual({ accessToken: "tok-1", scope: "read" });
    expect(seen).toHaveLength(1);
    const [request] = seen;
    expect(request?.method).toBe("POST");
    expect(request?.url).toBe(REGISTRATION.endpoints.token);
    expect(request?.headers.get("content-type")).toMatch(/^application\/x-www-form-urlencoded/);
    expect(request?.headers.get("accept")).toBe("application/json");
    expect(Object.fromEntries(request?.form ?? [])).toEqual({
      grant_type: "authorization_code",
      code: "code-1",
      client_id: "client-1",
      client_secret: "secret-1",
      redirect_uri: REGISTRATION.redirectUri,
      code_verifier: "verifier-1",
    });
  });

  it("keeps the registered scopes when the answer names none", async () => {
    const { ctx } = scripted(json(200, { access_token: "tok-1" }));
    expect(await exchangeCode(ctx, REGISTRATION, "c", "v")).toEqual({
      accessToken: "tok-1",
      scope: "read write",
    });
  });

  it("calls a 401 without a body a dead client", async () => {
    const { ctx } = scripted(empty(401));
    const error = await failure(exchangeCode(ctx, REGISTRATION, "c", "v"));
    expect(error.code).toBe("token_exchange_failed");
    expect(isDeadClient(error)).toBe(true);
  });

  it("calls a 400 invalid_client a dead client", async () => {
    const { ctx } = scripted(json(400, { error: "invalid_client" }));
    expect(isDeadClient(await failure(exchangeCode(ctx, REGISTRATION, "c", "v")))).toBe(true);
  });

  it("fails an invalid_grant without calling the client dead", async () => {
    const { ctx } = scripted(json(400, { error: "invalid_grant" }));
    const error = await failure(exchangeCode(ctx, REGISTRATION, "c", "v"));
    expect(error.code).toBe("token_exchange_failed");
    expect(error.status).toBe(502);
    expect(isDeadClient(error)).toBe(false);
  });

  it("refuses an answer without a usable token, of another token type, or not JSON", async () => {
    for (const answer of [
      json(200, { access_token: "has space" }),
      json(200, { access_token: "tok", token_type: "mac" }),
      json(200, ["tok"]),
      json(200, { access_token: "tok" }, "text/html"),
      empty(500),
    ]) {
      const { ctx } = scripted(answer);
      const error = await failure(exchangeCode(ctx, REGISTRATION, "c", "v"));
      expect(error.code).toBe("token_exchange_failed");
      expect(isDeadClient(error)).toBe(false);
    }
  });

  it("never sends the exchange twice when the connection drops", async () => {
    const { ctx, seen } = scripted(() => Promise.reject(new Error("Network connection lost")));
    const error = await failure(exchangeCode(ctx, REGISTRATION, "c", "v"));
    expect(error.code).toBe("instance_unreachable");
    expect(seen).toHaveLength(1);
  });
});
