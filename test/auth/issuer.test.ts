/**
 * RFC 9207: a server that advertises `authorization_response_iss_parameter_supported` must name
 * itself (`iss`) in the authorization response; a named issuer that is not the instance's is
 * refused before the code is exchanged. Mastodon 4.4 does neither (the fake's default); the
 * `iss` option of the fake plays a server that does.
 */
import { describe, expect, it } from "vitest";
import { decodeRegistration } from "../../src/oauth/registration.ts";
import { fullLogin } from "../helpers/bff.ts";
import { configure, type FakeConfig, fakeState, uniqueHost } from "../helpers/fake.ts";

async function loginWith(iss: FakeConfig["iss"]) {
  const host = uniqueHost("mastodon");
  if (iss !== undefined) await configure(host, { iss });
  const { callback } = await fullLogin(host);
  return { host, location: callback.headers.get("location"), state: await fakeState(host) };
}

describe("the authorization response's issuer (RFC 9207)", () => {
  it("signs in when the advertised issuer comes back as iss", async () => {
    const { location, state } = await loginWith({ advertise: true, send: "issuer" });
    expect(location).toBe("/");
    expect(state.liveUserTokens).toBe(1);
  });

  it("signs in on a server that neither advertises nor sends iss (Mastodon 4.4)", async () => {
    const { location } = await loginWith(undefined);
    expect(location).toBe("/");
  });

  it.each([
    ["iss is missing although the server advertises it", { advertise: true }],
    ["iss names another server", { advertise: true, send: "other" as const }],
    ["iss names another server that never advertised RFC 9207", { send: "other" as const }],
  ])(
    "refuses the callback when %s: auth_error=invalid_callback, the code never exchanged",
    async (_, iss) => {
      const { location, state } = await loginWith(iss);
      expect(location).toBe("/?auth_error=invalid_callback");
      // Only the registration's app token was ever granted: the code was never exchanged.
      expect(state.tokensIssued).toBe(1);
      expect(state.liveUserTokens).toBe(0);
      expect(state.requests.filter((r) => r.path === "/oauth/token")).toHaveLength(1);
    },
  );
});

describe("stored registrations and the issuer", () => {
  const stored = {
    host: "a.example.org",
    origin: "https://a.example.org",
    clientId: "c",
    clientSecret: "s",
    redirectUri: "https://bff.example.com/auth/callback",
    scopes: "read",
    software: "mastodon",
    streaming: "wss://a.example.org",
    forceLogin: false,
    createdAt: 1,
    endpoints: { register: "r", authorize: "a", token: "t", revoke: "v" },
  };

  it("still opens a registration stored before the issuer was kept", () => {
    expect(decodeRegistration(stored)).not.toBeNull();
  });

  it("refuses a malformed issuer, so a fresh registration follows", () => {
    expect(
      decodeRegistration({ ...stored, issuer: { id: "https://a.example.org/", required: true } }),
    ).not.toBeNull();
    expect(decodeRegistration({ ...stored, issuer: "https://a.example.org/" })).toBeNull();
  });
});
