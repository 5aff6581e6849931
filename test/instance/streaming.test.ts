/**
 * The streaming host: only scheme, host and port come from the instance; on a development
 * instance served over plain http the scheme follows the instance's (GoToSocial advertises
 * `wss://` regardless).
 */
import { describe, expect, it } from "vitest";
import { discoverInstance } from "../../src/instance/discovery.ts";
import type { HostPolicy } from "../../src/instance/host.ts";
import { websocketUpstreamUrl } from "../../src/proxy/streaming.ts";
import { uniqueHost } from "../helpers/fake.ts";

const PUBLIC: HostPolicy = { insecureHosts: new Set() };
const ctx = {
  fetch: (input: RequestInfo | URL, init?: RequestInit) => fetch(input, init),
  userAgent: "fedi-bff/test",
  timeoutMs: 5000,
};

describe("the streaming host of a development GoToSocial over plain http", () => {
  it("is advertised as wss:// by the fake, as GoToSocial does", async () => {
    const host = uniqueHost("gts");
    const res = await fetch(`http://${host}/api/v2/instance`, { headers: { "user-agent": "t" } });
    const body = (await res.json()) as { configuration: { urls: { streaming: string } } };
    expect(body.configuration.urls.streaming).toBe(`wss://${host}`);
  });

  it("is discovered as ws:// for the http instance", async () => {
    const host = uniqueHost("gts");
    const info = await discoverInstance(ctx, `http://${host}`, { insecureHosts: new Set([host]) });
    expect(info.streaming).toBe(`ws://${host}`);
  });

  it("is reached over http for a session on the http instance", () => {
    const host = "gts.example.org";
    const account = { streaming: `wss://${host}`, origin: `http://${host}` };
    const url = websocketUpstreamUrl(account, "?stream=user", { insecureHosts: new Set([host]) });
    expect(url).toBe(`http://${host}/api/v1/streaming?stream=user`);
  });
});

describe("a streaming URL with a path or query", () => {
  it("loses both, also from a session stored before the rule", () => {
    const account = { streaming: "wss://s.example.org/evil/anything?x=", origin: "https://m.example.org" };
    expect(websocketUpstreamUrl(account, "?stream=user", PUBLIC)).toBe(
      "https://s.example.org/api/v1/streaming?stream=user",
    );
  });

  it("keeps the port of a development host", () => {
    const account = { streaming: "ws://127.0.0.1:3999/x?y=", origin: "http://127.0.0.1:3999" };
    const policy = { insecureHosts: new Set(["127.0.0.1:3999"]) };
    expect(websocketUpstreamUrl(account, "", policy)).toBe("http://127.0.0.1:3999/api/v1/streaming");
  });
});
