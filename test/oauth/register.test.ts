import { describe, expect, it } from "vitest";
import { BffError } from "../../src/errors.ts";
import { type AppRegistrationInput, registerApp } from "../../src/oauth/register.ts";
import { rejectionOf } from "../helpers/rejection.ts";
import { empty, json, scripted } from "./support.ts";

const INPUT: AppRegistrationInput = {
  endpoint: "https://social.example/api/v1/apps",
  host: "social.example",
  redirectUri: "https://bff.example.com/auth/callback",
  scopes: "read write",
  appName: "fedi-bff",
  appWebsite: null,
};

const failure = (promise: Promise<unknown>) => rejectionOf(promise, BffError);

describe("registerApp", () => {
  it("posts one redirect_uris string as a form and returns the credentials", async () => {
    const { ctx, seen } = scripted(json(200, { client_id: "id-1", client_secret: "secret-1" }));
    expect(await registerApp(ctx, INPUT)).toEqual({ clientId: "id-1", clientSecret: "secret-1" });
    expect(seen[0]?.method).toBe("POST");
    expect(Object.fromEntries(seen[0]?.form ?? [])).toEqual({
      client_name: "fedi-bff",
      redirect_uris: INPUT.redirectUri,
      scopes: "read write",
    });
  });

  it("sends the website only when one is configured", async () => {
    const { ctx, seen } = scripted(json(200, { client_id: "id-1", client_secret: "secret-1" }));
    await registerApp(ctx, { ...INPUT, appWebsite: "https://app.example" });
    expect(seen[0]?.form.get("website")).toBe("https://app.example");
  });

  it("sends the registration once more when a pooled connection was just closed", async () => {
    const { ctx, seen } = scripted(
      () => Promise.reject(new Error("Network connection lost")),
      json(201, { client_id: "id-1", client_secret: "secret-1" }),
    );
    expect(await registerApp(ctx, INPUT)).toEqual({ clientId: "id-1", clientSecret: "secret-1" });
    expect(seen).toHaveLength(2);
  });

  it("passes the instance's Retry-After on with registration_rate_limited", async () => {
    const error = await failure(registerApp(scripted(empty(429, { "retry-after": "120" })).ctx, INPUT));
    expect(error.code).toBe("registration_rate_limited");
    expect(error.status).toBe(429);
    expect(error.headers["retry-after"]).toBe("120");
  });

  it("names a server without the apps endpoint unsupported, and other refusals failed", async () => {
    expect((await failure(registerApp(scripted(empty(404)).ctx, INPUT))).code).toBe("unsupported_instance");
    expect((await failure(registerApp(scripted(empty(500)).ctx, INPUT))).code).toBe("registration_failed");
    const refused = json(422, { error: "Validation failed: Redirect URI must be an absolute URI." });
    expect((await failure(registerApp(scripted(refused).ctx, INPUT))).code).toBe("registration_failed");
  });

  it("names a server that answers with a web page unsupported, not a refusal", async () => {
    const page = () =>
      new Response("<h1>Welcome to nginx!</h1>", { status: 200, headers: { "content-type": "text/html" } });
    const error = await failure(registerApp(scripted(page).ctx, INPUT));
    expect([error.code, error.message]).toEqual([
      "unsupported_instance",
      "social.example answered with a web page, not the Mastodon client API: is it a Mastodon-compatible server?",
    ]);
    const forbidden = json(403, "<h1>403 Forbidden</h1>", "text/html");
    expect((await failure(registerApp(scripted(forbidden).ctx, INPUT))).code).toBe("unsupported_instance");
  });

  it("names a server whose proxy says it is down unreachable", async () => {
    for (const status of [502, 503, 504]) {
      const error = await failure(registerApp(scripted(empty(status)).ctx, INPUT));
      expect([error.code, error.status]).toEqual(["instance_unreachable", 502]);
    }
  });

  it("refuses credentials that are missing or not visible ASCII", async () => {
    for (const body of [{ client_id: "id-1" }, { client_id: "id 1", client_secret: "s" }, ["id", "s"]]) {
      const error = await failure(registerApp(scripted(json(200, body)).ctx, INPUT));
      expect(error.code).toBe("registration_failed");
    }
  });
});
