import { describe, expect, it } from "vitest";
import { expectError } from "../helpers/bff.ts";
import { injectFault, revokeTokens, uniqueHost } from "../helpers/fake.ts";
import { appWith, BFF, bffRequest, countedEnv, signedIn, TextStream } from "./support.ts";

describe("the hot path", () => {
  it("performs zero KV, Durable Object or rate-limiter operations per proxied call", async () => {
    const { origin, jar } = await signedIn();
    const counted = countedEnv();
    const app = appWith({}, counted.env);
    const call = (path: string, init: RequestInit = {}) => {
      const headers = new Headers(init.headers);
      headers.set("x-csrf", "1");
      return app(bffRequest(path, jar, { ...init, headers }));
    };
    expect((await call("/api/v1/timelines/home?limit=5")).status).toBe(200);
    const post = await call("/api/v1/statuses", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ status: "counted" }),
    });
    expect(post.status).toBe(200);
    expect((await call("/api/v1/no-such-endpoint")).status).toBe(404);
    const sse = await app(
      bffRequest("/api/v1/streaming/user", jar, { headers: { accept: "text/event-stream", origin: BFF } }),
    );
    expect(sse.status).toBe(200);
    await sse.body?.cancel();
    const ws = await app(
      bffRequest("/api/v1/streaming", jar, { headers: { upgrade: "websocket", origin: BFF } }),
    );
    expect(ws.status).toBe(101);
    ws.webSocket?.accept();
    ws.webSocket?.close();
    await revokeTokens(origin);
    await expectError(await call("/api/v1/timelines/home"), 401, "session_revoked");
    expect(counted.calls).toEqual([]);
    // The counter does see storage: a login start reads the app registration.
    const login = await app(bffRequest(`/auth/login?instance=${uniqueHost("mastodon")}`, null));
    expect(login.status).toBe(302);
    expect(counted.calls.length).toBeGreaterThan(0);
  });
});

describe("upstream faults", () => {
  it("answers 504 instance_timeout when the response head does not come in time", async () => {
    const { origin, jar } = await signedIn();
    await injectFault(origin, { path: "/api/v1/timelines/home", kind: "hang" });
    const app = appWith({ UPSTREAM_TIMEOUT: "1" });
    const started = Date.now();
    const res = await app(bffRequest("/api/v1/timelines/home", jar, { headers: { "x-csrf": "1" } }));
    const elapsed = Date.now() - started;
    expect(res.status).toBe(504);
    await expectError(res, 504, "instance_timeout");
    expect(elapsed).toBeGreaterThanOrEqual(900);
    expect(elapsed).toBeLessThan(5000);
  });

  it("times out a WebSocket handshake the same way", async () => {
    const { origin, jar } = await signedIn();
    await injectFault(origin, { path: "/api/v1/streaming", kind: "hang" });
    const app = appWith({ UPSTREAM_TIMEOUT: "1" });
    const res = await app(
      bffRequest("/api/v1/streaming", jar, { headers: { upgrade: "websocket", origin: BFF } }),
    );
    expect(res.status).toBe(504);
    await expectError(res, 504, "instance_timeout");
  });

  it("does not cut a long stream: the timeout covers the head only", async () => {
    const { jar } = await signedIn();
    const app = appWith({ UPSTREAM_TIMEOUT: "1" });
    const res = await app(
      bffRequest("/api/v1/streaming/user", jar, { headers: { accept: "text/event-stream", origin: BFF } }),
    );
    expect(res.status).toBe(200);
    const stream = new TextStream(res.body);
    await stream.until(() => false, 1500); // past the 1 s head timeout
    const late = await stream.until((t) => t.includes("event: update"), 3000);
    expect(late).toContain("event: update");
    await stream.cancel();
  });
});
