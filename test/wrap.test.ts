/**
 * `bff.wrap(app)`, the Worker's default export with fedi-bff in front of a host app: fedi-bff's
 * paths answered by fedi-bff, everything else by the app as it would answer alone.
 */
import { env } from "cloudflare:workers";
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import type { Env } from "../src/config/env.ts";
import { createFediBff } from "../src/fedi-bff.ts";
import { OTHER_HANDLERS } from "../src/wrap.ts";
import { bff, CookieJar, expectError, send } from "./helpers/bff.ts";
import { approve, fakeState, uniqueHost } from "./helpers/fake.ts";
import { MULTIPART_TYPE, multipart } from "./helpers/multipart.ts";

const encoder = new TextEncoder();
const MIB = 1024 * 1024;

const fedi = createFediBff();
const app = new Hono<{ Bindings: Env }>();
app.get("/", (c) => c.text(`the app's home, next=${c.req.query("next") ?? ""}`));
app.get("/authx", (c) => c.text("the app's /authx"));
app.get("/broken", () => {
  throw new Error("the app's own failure");
});
app.post("/form", async (c) => c.text(`the app read ${(await c.req.text()).length} bytes`));
/** As a Worker's `export default` would hold it. */
const worker = fedi.wrap(app) satisfies ExportedHandler<Env>;

const call = (path: string, init: RequestInit & { jar?: CookieJar } = {}) =>
  bff(path, { ...init, handler: worker });

/** Signs alice in on a fresh `flavour` instance, every step through the wrapper. */
async function signedIn(flavour: "mastodon" | "snac" = "mastodon") {
  const host = uniqueHost(flavour);
  const jar = new CookieJar();
  const start = await call(`/auth/login?instance=${host}`, { jar });
  expect(start.status, await start.clone().text()).toBe(302);
  const back = await approve(start.headers.get("location") ?? "");
  const callback = await call(back.pathname + back.search, { jar });
  expect(callback.status).toBe(302);
  return { host, jar };
}

/** An API call as the app makes it; a body is sent as bytes (a length the runtime knows) or a stream. */
function api(path: string, jar: CookieJar, init: RequestInit = {}) {
  const headers = new Headers(init.headers);
  headers.set("x-csrf", "1");
  return call(path, { ...init, headers, jar });
}

async function lastPost(host: string, path: string) {
  const requests = (await fakeState(host)).requests;
  return requests.filter((r) => r.method === "POST" && r.path === path).at(-1);
}

/** A stream built in code: workerd knows no length for it. */
function streamOf(bytes: Uint8Array): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(bytes);
      controller.close();
    },
  });
}

describe("fedi-bff's paths, answered by fedi-bff before the app", () => {
  it("answers /auth/session 401 signed out, 200 with the account after a login through it", async () => {
    await expectError(await call("/auth/session"), 401, "not_authenticated");
    const { host, jar } = await signedIn();
    const session = await call("/auth/session", { jar });
    expect(session.status).toBe(200);
    expect(session.headers.get("content-type")).toMatch(/^application\/json/);
    const body = (await session.json()) as { accounts: { instance: string }[] };
    expect(body.accounts.map((a) => a.instance)).toEqual([host]);
  });

  it("proxies /api/* to the signed-in account's instance, with fedi-bff's headers", async () => {
    const { host, jar } = await signedIn();
    const res = await api("/api/v1/timelines/home", jar);
    expect(res.status).toBe(200);
    expect(Array.isArray(await res.json())).toBe(true);
    expect(res.headers.get("x-frame-options")).toBe("DENY");
    const seen = (await fakeState(host)).requests.filter((r) => r.path === "/api/v1/timelines/home");
    expect(seen).toHaveLength(1);
  });

  it("answers its own JSON 404 under its prefixes, where the app has no route either", async () => {
    await expectError(await call("/auth/nope"), 404, "not_found");
    await expectError(await call("/_fedi-bff/nope"), 404, "not_found");
  });
});

describe("every other request, answered by the app as it would alone", () => {
  it("sends / with a fedi-bff path in its query to the app", async () => {
    const res = await call("/?next=/auth/login");
    expect(await res.text()).toBe("the app's home, next=/auth/login");
    expect(res.headers.get("x-frame-options")).toBeNull();
  });

  it.each(["/authx", "/auth", "/apis/x", "/x/auth/login"])("leaves %s to the app", async (path) => {
    const res = await call(path);
    expect(res.headers.get("x-frame-options")).toBeNull();
    if (path === "/authx") expect(await res.text()).toBe("the app's /authx");
    else
      expect({ status: res.status, body: await res.text() }).toEqual({ status: 404, body: "404 Not Found" });
  });

  it("leaves the app's errors as the app answers them: Hono's 500, not fedi-bff's JSON", async () => {
    const res = await call("/broken");
    expect({ status: res.status, body: await res.text() }).toEqual({
      status: 500,
      body: "Internal Server Error",
    });
  });

  it("rethrows what an app without an error handler throws, as it is", async () => {
    const failure = new Error("thrown by the app");
    const plain = fedi.wrap({
      fetch: async () => {
        throw failure;
      },
    });
    await expect(send(new Request("https://bff.example.com/"), { handler: plain })).rejects.toBe(failure);
  });

  it("hands the app its request body untouched", async () => {
    const res = await call("/form", { method: "POST", body: "a=1&b=2" });
    expect(await res.text()).toBe("the app read 7 bytes");
  });
});

describe("the app's other handlers", () => {
  it("are the Worker's too, called on the app", async () => {
    const ran: string[] = [];
    const handler = {
      name: "cron",
      fetch: () => new Response("the app"),
      scheduled(this: { name: string }, controller: ScheduledController) {
        ran.push(`${this.name} ${controller.cron}`);
      },
    };
    const wrapped = fedi.wrap(handler);
    await wrapped.scheduled?.(
      { cron: "0 * * * *" } as ScheduledController,
      env as Env,
      {} as ExecutionContext,
    );
    expect(ran).toEqual(["cron 0 * * * *"]);
    expect(Object.keys(fedi.wrap(app)).sort()).toEqual(["fetch"]);
  });

  it("are every one a Worker's default export may have", async () => {
    // Checked when the tests are typechecked: a handler `ExportedHandler` gains is missing here.
    const missing: [Exclude<keyof ExportedHandler, "fetch" | (typeof OTHER_HANDLERS)[number]>] extends [never]
      ? true
      : false = true;
    expect(missing).toBe(true);
    const calls: string[] = [];
    const every = Object.fromEntries(OTHER_HANDLERS.map((name) => [name, () => calls.push(name)]));
    const wrapped = fedi.wrap({ fetch: () => new Response("the app"), ...every }) as unknown as Record<
      string,
      unknown
    >;
    for (const name of OTHER_HANDLERS) await (wrapped[name] as () => unknown)();
    expect(calls).toEqual([...OTHER_HANDLERS]);
  });
});

describe("a body posted through /api/ reaches the instance intact", () => {
  it("as a form of known length, sent with it", async () => {
    const { host, jar } = await signedIn();
    const form = encoder.encode("status=Hello+through+the+wrapper");
    const res = await api("/api/v1/statuses", jar, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: form,
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { content: string }).content).toContain("Hello through the wrapper");
    const seen = await lastPost(host, "/api/v1/statuses");
    expect(seen?.headers["content-length"]).toBe(String(form.byteLength));
    expect(seen?.headers["transfer-encoding"]).toBeUndefined();
  });

  it("as a 3 MiB upload to snac (which never answers a chunked body), with its length", async () => {
    const { host, jar } = await signedIn("snac");
    const media = multipart(3 * MIB, "wrapped");
    const res = await api("/api/v2/media", jar, {
      method: "POST",
      headers: { "content-type": MULTIPART_TYPE },
      body: media,
    });
    expect(res.status).toBe(202);
    expect((await lastPost(host, "/api/v2/media"))?.headers["content-length"]).toBe(String(media.byteLength));
    expect((await fakeState(host)).uploads[0]?.bytes).toBe(media.byteLength);
  });

  it("chunked, when the body has no length", async () => {
    const { host, jar } = await signedIn();
    const media = multipart(MIB, "wrapped");
    const res = await api("/api/v2/media", jar, {
      method: "POST",
      headers: { "content-type": MULTIPART_TYPE },
      body: streamOf(media),
      duplex: "half",
    } as RequestInit);
    expect(res.status).toBe(202);
    const seen = await lastPost(host, "/api/v2/media");
    expect(seen?.headers["transfer-encoding"]).toBe("chunked");
    expect(seen?.headers["content-length"]).toBeUndefined();
    expect((await fakeState(host)).uploads[0]?.bytes).toBe(media.byteLength);
  });
});

describe("a request built in code and handed to the wrapper", () => {
  // The wrapper passes bodies on as the runtime's own; workerd frames whatever it sends by the
  // body itself, so a Content-Length header that lies never reaches the instance as the framing.
  it.each([
    ["shorter", 7],
    ["longer", 4096],
  ])(
    "whose Content-Length claims %s than its body: the instance gets the body with its real length",
    async (_, claimed) => {
      const { host, jar } = await signedIn();
      const form = encoder.encode("status=Built+in+code");
      const res = await api("/api/v1/statuses", jar, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", "content-length": String(claimed) },
        body: form,
      });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { content: string }).content).toContain("Built in code");
      const seen = await lastPost(host, "/api/v1/statuses");
      expect(seen?.headers["content-length"]).toBe(String(form.byteLength));
      expect(seen?.headers["transfer-encoding"]).toBeUndefined();
    },
  );

  it("whose stream claims a length it does not deliver: the instance never gets a whole request (502)", async () => {
    const { jar } = await signedIn();
    const form = encoder.encode("status=Cut+short");
    const fixed = new FixedLengthStream(form.byteLength + 100);
    const writer = fixed.writable.getWriter();
    void writer
      .write(form)
      .then(() => writer.close())
      .catch(() => {});
    const res = await api("/api/v1/statuses", jar, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: fixed.readable,
      duplex: "half",
    } as RequestInit);
    await expectError(res, 502, "instance_unreachable");
    const home = await api("/api/v1/timelines/home", jar);
    expect(await home.text()).not.toContain("Cut short");
  });

  it("a stream claiming a Content-Length goes chunked with no length, never with the claimed one", async () => {
    const { host, jar } = await signedIn();
    const form = encoder.encode("status=Streamed+in+code");
    const res = await api("/api/v1/statuses", jar, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", "content-length": "5" },
      body: streamOf(form),
      duplex: "half",
    } as RequestInit);
    expect(res.status).toBe(200);
    const seen = await lastPost(host, "/api/v1/statuses");
    expect(seen?.headers["transfer-encoding"]).toBe("chunked");
    expect(seen?.headers["content-length"]).toBeUndefined();
  });
});
