import { describe, expect, it } from "vitest";
import { bff, CookieJar, expectError } from "../helpers/bff.ts";
import { approve, pushEvent, uniqueHost } from "../helpers/fake.ts";
import { appWith, BFF, bffRequest, seen, signedIn, TextStream } from "./support.ts";

const SSE = { accept: "text/event-stream" };

describe("server-sent events", () => {
  it("flow as they arrive while the stream stays open", async () => {
    const { origin, jar } = await signedIn();
    const res = await bff("/api/v1/streaming/user", { jar, headers: { ...SSE, origin: BFF } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    expect(res.headers.get("content-disposition")).toBeNull();
    expect(res.headers.get("cache-control")).toBe("private, no-store");
    const stream = new TextStream(res.body);
    const first = await stream.until((t) => t.includes("event: update"), 5000);
    expect(first).toContain("event: update");
    const { delivered } = await pushEvent(origin, { event: "notification", payload: { id: "n-1" } });
    expect(delivered).toBeGreaterThan(0);
    const later = await stream.until((t) => t.includes("event: notification"), 5000);
    expect(later).toContain('data: {"id":"n-1"}');
    await stream.cancel();
  });

  it("is allowed from the BFF's own page without Origin (same-origin GET), by Fetch Metadata", async () => {
    const { jar } = await signedIn();
    const res = await bff("/api/v1/streaming/user", {
      jar,
      headers: { ...SSE, "sec-fetch-site": "same-origin" },
    });
    expect(res.status).toBe(200);
    await res.body?.cancel();
  });

  it.each([
    ["no Origin and no Fetch Metadata", {}],
    ["a same-site page without Origin", { "sec-fetch-site": "same-site" }],
    ["a foreign Origin", { origin: "https://evil.example" }],
    ["a cross-site request", { origin: BFF, "sec-fetch-site": "cross-site" }],
  ])("an EventSource with %s is refused", async (_, headers) => {
    const { host, jar } = await signedIn();
    const res = await bff("/api/v1/streaming/user", { jar, headers: { ...SSE, ...headers } });
    expect(res.status).toBe(403);
    await expectError(res, 403, "forbidden_origin");
    expect(await seen(host, "/api/v1/streaming/user")).toEqual([]);
  });

  it("a streaming path fetched without event-stream needs X-CSRF like any API call", async () => {
    const { jar } = await signedIn();
    const res = await bff("/api/v1/streaming/health", { jar, headers: { origin: BFF } });
    expect(res.status).toBe(403);
    await expectError(res, 403, "csrf_required");
  });
});

async function nextMessage(ws: WebSocket, match: (data: string) => boolean, ms = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("no matching WebSocket message")), ms);
    const onMessage = (event: MessageEvent) => {
      const data = String(event.data);
      if (!match(data)) return;
      clearTimeout(timer);
      ws.removeEventListener("message", onMessage);
      resolve(data);
    };
    ws.addEventListener("message", onMessage);
  });
}

describe("WebSocket streaming", () => {
  it("carries the client's messages both ways, with the token added server-side", async () => {
    const { host, jar } = await signedIn();
    const res = await bff("/api/v1/streaming?stream=user&access_token=leak", {
      jar,
      headers: { upgrade: "websocket", origin: BFF },
    });
    expect(res.status).toBe(101);
    const ws = res.webSocket as WebSocket;
    ws.accept();
    const update = nextMessage(ws, (d) => d.includes('"event":"update"'));
    expect(JSON.parse(await update)).toMatchObject({ stream: ["user"], event: "update" });
    // Mastodon's protocol: a known stream is subscribed, one the instance does not know is answered
    // with an error (which also shows that both messages reached it, in order)…
    const refused = nextMessage(ws, (d) => d.includes('"error"'));
    ws.send(JSON.stringify({ type: "subscribe", stream: "hashtag", tag: "fedibff" }));
    ws.send(JSON.stringify({ type: "subscribe", stream: "no-such-stream" }));
    expect(JSON.parse(await refused)).toEqual({ error: "Unknown stream type", status: 400 });
    // …and the subscribed stream's events come through, named by the instance.
    const tagged = nextMessage(ws, (d) => d.includes('"hashtag"'));
    expect((await pushEvent(`https://${host}`, { event: "delete", payload: "42" })).delivered).toBe(1);
    expect(JSON.parse(await tagged)).toEqual({
      stream: ["hashtag", "fedibff"],
      event: "delete",
      payload: "42",
    });
    ws.close(1000, "done");
    const [upgrade] = await seen(host, "/api/v1/streaming");
    expect(upgrade?.query).toEqual({ stream: "user" });
    expect(upgrade?.headers.authorization).toBe("Bearer <redacted>");
    expect(upgrade?.headers.cookie).toBeUndefined();
    expect(upgrade?.headers.origin).toBeUndefined();
  });

  it.each([
    ["a foreign Origin", { origin: "https://evil.example" }],
    ["no Origin", {}],
    ["X-CSRF instead of an Origin", { "x-csrf": "1" }],
    ["a cross-site handshake", { origin: BFF, "sec-fetch-site": "cross-site" }],
  ])("refuses an upgrade with %s (cross-site WebSocket hijacking)", async (_, headers) => {
    const { host, jar } = await signedIn();
    const res = await bff("/api/v1/streaming?stream=user", {
      jar,
      headers: { upgrade: "websocket", ...headers },
    });
    expect(res.status).toBe(403);
    await expectError(res, 403, "forbidden_origin");
    expect(await seen(host, "/api/v1/streaming")).toEqual([]);
  });

  it("opens a socket for a configured frontend origin", async () => {
    const { jar } = await signedIn();
    const app = appWith({ FRONTEND_ORIGINS: "https://app.example.com" });
    const res = await app(
      bffRequest("/api/v1/streaming?stream=user", jar, {
        headers: { upgrade: "websocket", origin: "https://app.example.com", "sec-fetch-site": "same-site" },
      }),
    );
    expect(res.status).toBe(101);
    const ws = res.webSocket as WebSocket;
    ws.accept();
    expect(await nextMessage(ws, (d) => d.includes('"event":"update"'))).toContain('"stream":["user"]');
    ws.close(1000, "done");
  });

  it("accepts upgrades only at /api/v1/streaming", async () => {
    const { jar } = await signedIn();
    const res = await bff("/api/v1/streaming/user", { jar, headers: { upgrade: "websocket", origin: BFF } });
    expect(res.status).toBe(400);
    await expectError(res, 400, "invalid_request");
  });
});

describe("a development GoToSocial served over plain http", () => {
  it("streams over ws:// although it advertises wss://", async () => {
    const host = uniqueHost("gts");
    const app = appWith({ ENVIRONMENT: "development", ALLOW_INSECURE_INSTANCES: host });
    const jar = new CookieJar();
    const send = async (path: string, init: RequestInit = {}) => {
      const res = await app(bffRequest(path, jar, init));
      jar.store(res);
      return res;
    };
    const start = await send(`/auth/login?instance=${host}`);
    expect(start.status).toBe(302);
    const back = await approve(start.headers.get("location") ?? "");
    expect((await send(back.pathname + back.search)).headers.get("location")).toBe("/");
    const res = await send("/api/v1/streaming?stream=user", {
      headers: { upgrade: "websocket", origin: BFF },
    });
    expect(res.status).toBe(101);
    const ws = res.webSocket as WebSocket;
    ws.accept();
    expect(await nextMessage(ws, (d) => d.includes('"event":"update"'))).toContain('"stream":["user"]');
    ws.close(1000, "done");
    expect(await seen(`http://${host}`, "/api/v1/streaming")).toHaveLength(1);
  });
});
