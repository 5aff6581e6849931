/**
 * The self-hosted front module (selfhost/front.ts) with stand-in services: fedi-bff's paths reach
 * fedi-bff as the very same request and come back as the very same response; files are served
 * with their type and the `_headers` rules; a navigation to no file gets index.html, any other
 * request fedi-bff's answer; other methods 405; no path spelling reaches past the folder.
 */
import { describe, expect, it } from "vitest";
import { type FilesEnv, fileSegments, type HeaderRule, serveFront } from "../../selfhost/front.ts";

/** The front with fedi-bff as a stand-in service. */
type FrontEnv = FilesEnv & { readonly BFF: { fetch(request: Request): Promise<Response> } };
const front = {
  fetch: (request: Request, env: FrontEnv) => serveFront(request, env, (r) => env.BFF.fetch(r)),
};

import { FEDI_BFF_PATHS } from "../../src/paths.ts";

const FILES: Record<string, string> = {
  "index.html": "<!doctype html><title>app</title>",
  "demo.js": "console.log(1)",
  "style.css": "body{}",
  "logo.svg": "<svg/>",
  "data.bin": "\u0001",
  "docs/index.html": "<p>docs</p>",
  "uploads/page.html": "<script>alert(1)</script>",
  _headers: "/*\n  X-Secret: no",
};
const FOLDERS = new Set(["", "docs", "empty", "uploads"]);
/** Symlinks in the folder, which workerd's disk service follows wherever they lead. */
const LINKS: Record<string, string> = {
  "link.txt": "a file outside the folder",
  "linkdir/workerd.capnp": "DATA_DIR's config",
  "docs/inner.html": "<p>docs</p>",
};
const LINK_NAMES = new Set(["link.txt", "linkdir", "docs/inner.html"]);

/** The entries directly in `folder` with their type, as workerd lists them (lstat: a link is "symlink"). */
function listingOf(folder: string): { name: string; type: string }[] {
  const prefix = folder === "" ? "" : `${folder}/`;
  const entries = new Map<string, string>();
  for (const path of [...Object.keys(FILES), ...FOLDERS, ...LINK_NAMES]) {
    if (path === "" || !path.startsWith(prefix) || path.slice(prefix.length).includes("/")) continue;
    const name = path.slice(prefix.length);
    if (name.startsWith(".")) continue;
    entries.set(name, LINK_NAMES.has(path) ? "symlink" : FOLDERS.has(path) ? "directory" : "file");
  }
  return [...entries].map(([name, type]) => ({ name, type }));
}

/** workerd's disk service over FILES: octet-stream files, JSON listings for folders, 404 else. */
function disk(seen: string[]) {
  return {
    async fetch(request: Request): Promise<Response> {
      const path = decodeURIComponent(new URL(request.url).pathname.slice(1)).replace(/\/$/, "");
      seen.push(path);
      if (path.split("/").some((s) => s === ".." || s === "." || s.startsWith("."))) {
        return new Response("Not Found", { status: 404 });
      }
      const content = FILES[path] ?? LINKS[path];
      if (content !== undefined) {
        const body = request.method === "HEAD" ? null : content;
        return new Response(body, { headers: { "content-type": "application/octet-stream" } });
      }
      if (FOLDERS.has(path) || path === "linkdir") {
        return Response.json(
          path === "linkdir" ? [{ name: "workerd.capnp", type: "file" }] : listingOf(path),
        );
      }
      return new Response("Not Found", { status: 404 });
    },
  };
}

const BFF_404 = () =>
  Response.json({ error: "not_found", error_description: "No such route." }, { status: 404 });

function setUp(
  rules: HeaderRule[] = [
    { path: "/*", set: [["Content-Security-Policy", "default-src 'none'"]], detach: [] },
  ],
) {
  const toBff: Request[] = [];
  const seen: string[] = [];
  const answers: Response[] = [];
  const env: FrontEnv = {
    BFF: {
      async fetch(request) {
        toBff.push(request);
        const answer = BFF_404();
        answers.push(answer);
        return answer;
      },
    },
    FILES: disk(seen),
    HEADERS: rules,
  };
  const get = (path: string, init: RequestInit = {}) =>
    front.fetch(new Request(`http://app.example${path}`, init), env);
  return { env, toBff, seen, answers, get };
}

const navigate = { headers: { "sec-fetch-mode": "navigate" } };

describe("the self-hosted front module", () => {
  it("routes every one of fedi-bff's paths to fedi-bff, whatever the method", async () => {
    const { toBff, get } = setUp();
    for (const prefix of FEDI_BFF_PATHS)
      expect((await get(`${prefix}x`, { method: "POST" })).status).toBe(404);
    expect(toBff.map((r) => new URL(r.url).pathname)).toEqual(FEDI_BFF_PATHS.map((p) => `${p}x`));
  });

  it("passes a request on fedi-bff's paths on as it is, and returns fedi-bff's response as it is", async () => {
    const { env, toBff, answers } = setUp();
    for (const path of ["/auth/session", "/api/v1/statuses", "/instances/x"]) {
      const request = new Request(`http://app.example${path}`, { method: "POST", body: "x" });
      const res = await front.fetch(request, env);
      expect(toBff.at(-1)).toBe(request);
      expect(res).toBe(answers.at(-1));
    }
  });

  it("returns a WebSocket upgrade from fedi-bff untouched", async () => {
    const { env } = setUp();
    const pair = new WebSocketPair();
    env.BFF.fetch = async () => new Response(null, { status: 101, webSocket: pair[0] });
    const res = await front.fetch(
      new Request("http://app.example/api/v1/streaming?stream=user", { headers: { upgrade: "websocket" } }),
      env,
    );
    expect(res.status).toBe(101);
    expect(res.webSocket).toBe(pair[0]);
  });

  it("serves a file with its type, the _headers rules and revalidation", async () => {
    const { get } = setUp();
    const res = await get("/demo.js");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(res.headers.get("content-security-policy")).toBe("default-src 'none'");
    expect(res.headers.get("cache-control")).toBe("public, max-age=0, must-revalidate");
    expect(await res.text()).toBe(FILES["demo.js"]);
    expect((await get("/style.css")).headers.get("content-type")).toBe("text/css; charset=utf-8");
    expect((await get("/logo.svg")).headers.get("content-type")).toBe("image/svg+xml");
    expect((await get("/data.bin")).headers.get("content-type")).toBe("application/octet-stream");
  });

  it("answers HEAD with the file's headers and no body", async () => {
    const { get } = setUp();
    const res = await get("/demo.js", { method: "HEAD" });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(await res.text()).toBe("");
  });

  it("serves index.html for / and a folder's index.html for its slash; redirects a folder to its slash", async () => {
    const { get } = setUp();
    const root = await get("/");
    expect(root.status).toBe(200);
    expect(root.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(await root.text()).toBe(FILES["index.html"]);
    expect(await (await get("/docs/")).text()).toBe(FILES["docs/index.html"]);
    const bare = await get("/docs?x=1");
    expect(bare.status).toBe(307);
    expect(bare.headers.get("location")).toBe("/docs/?x=1");
  });

  it("gives a navigation to no file index.html with the _headers rules", async () => {
    const { get, toBff } = setUp();
    for (const path of ["/@alice/123", "/%40alice/123", "/empty", "/empty/", "/missing.js"]) {
      const res = await get(path, navigate);
      expect(res.status, path).toBe(200);
      expect(res.headers.get("content-security-policy")).toBe("default-src 'none'");
      expect(await res.text()).toBe(FILES["index.html"]);
    }
    expect(toBff).toHaveLength(0);
  });

  it("passes any other request for no file to fedi-bff (its JSON 404)", async () => {
    const { get, toBff } = setUp();
    const res = await get("/missing.js", { headers: { "sec-fetch-mode": "no-cors" } });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: "not_found", error_description: "No such route." });
    expect(toBff).toHaveLength(1);
  });

  it("refuses other methods off fedi-bff's paths with 405", async () => {
    const { get, toBff } = setUp();
    for (const method of ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"]) {
      const res = await get("/", { method });
      expect(res.status, method).toBe(405);
      expect(res.headers.get("allow")).toBe("GET, HEAD");
    }
    expect(toBff).toHaveLength(0);
  });

  it("never serves _headers, _redirects or a dotfile", async () => {
    const { get, seen } = setUp();
    for (const path of ["/_headers", "/_redirects", "/.env", "/.git/config"]) {
      const res = await get(path);
      expect(res.status, path).toBe(404);
    }
    expect(seen.filter((p) => p.includes("_headers") || p.includes(".env") || p.includes(".git"))).toEqual(
      [],
    );
  });

  it("never asks the disk for a path outside the folder, however it is spelled", async () => {
    const { get, seen } = setUp();
    const attempts = [
      "/../secret",
      "/%2e%2e/secret",
      "/%2E%2E/%2e%2e/secret",
      "/docs/..%2f..%2fsecret",
      "/docs%2f..%2f..%2fsecret",
      "/..%5csecret",
      "/docs\\..\\..\\secret",
      "/%5c..%5csecret",
      "/docs/%2e%2e%5c%2e%2e%5csecret",
      "/secret%00.html",
      "//secret",
      "/%ZZ",
    ];
    for (const path of attempts) {
      const res = await get(path);
      expect(res.status, path).toBe(404);
      expect(await res.json()).toEqual({ error: "not_found", error_description: "No such route." });
    }
    for (const path of seen) {
      expect(
        path.split("/").every((s) => s !== ".." && !s.includes("\\") && !s.includes("\0")),
        path,
      ).toBe(true);
    }
  });
});

describe("the self-hosted front module and the folder's edges", () => {
  it("applies a rule to every spelling of the path that finds the file", async () => {
    const { get } = setUp([
      {
        path: "/uploads/*",
        set: [
          ["Content-Security-Policy", "sandbox"],
          ["Content-Disposition", "attachment"],
        ],
        detach: [],
      },
    ]);
    for (const path of [
      "/uploads/page.html",
      "/%75ploads/page.html",
      "/uploads/%70age.html",
      "/%75ploads/",
    ]) {
      const res = await get(path, navigate);
      expect(res.status, path).toBe(200);
      expect(res.headers.get("content-security-policy"), path).toBe("sandbox");
      expect(res.headers.get("content-disposition"), path).toBe("attachment");
    }
  });

  it("serves nothing through a symlink, whether it names a file or a folder on the way", async () => {
    const { get, toBff } = setUp();
    for (const path of ["/link.txt", "/linkdir/workerd.capnp", "/docs/inner.html", "/linkdir", "/linkdir/"]) {
      const res = await get(path);
      expect(res.status, path).toBe(404);
      expect(await res.json()).toEqual({ error: "not_found", error_description: "No such route." });
      const page = await get(path, navigate);
      expect(await page.text(), path).toBe(FILES["index.html"]);
    }
    expect(toBff).toHaveLength(5);
  });
});

describe("fileSegments", () => {
  it("decodes plain names and refuses separators, dot segments, dotfiles, NUL and empty names", () => {
    expect(fileSegments("/")).toEqual([]);
    expect(fileSegments("/a/b%20c.js")).toEqual(["a", "b c.js"]);
    expect(fileSegments("/docs/")).toEqual(["docs"]);
    for (const path of [
      "/a%2fb",
      "/a%5cb",
      "/%2e%2e",
      "/%2e",
      "/.env",
      "/a%00",
      "//a",
      "/a//b",
      "/%E0%A4%A",
    ]) {
      expect(fileSegments(path), path).toBeNull();
    }
  });
});

describe("_headers rules", () => {
  const rules: HeaderRule[] = [
    {
      path: "/*",
      set: [
        ["X-Frame-Options", "DENY"],
        ["Link", "</a>"],
      ],
      detach: [],
    },
    { path: "/docs/*", set: [["Link", "</b>"]], detach: ["X-Frame-Options"] },
    { path: "/u/:id/card", set: [["X-Card", "1"]], detach: [] },
  ];

  it("applies every matching rule in order: values joined, `!` removes", async () => {
    const { get } = setUp(rules);
    const root = await get("/demo.js");
    expect(root.headers.get("x-frame-options")).toBe("DENY");
    expect(root.headers.get("link")).toBe("</a>");
    const docs = await get("/docs/");
    expect(docs.headers.get("link")).toBe("</a>, </b>");
    expect(docs.headers.get("x-frame-options")).toBeNull();
  });

  it("matches :placeholders within one segment only", async () => {
    const { get } = setUp(rules);
    expect((await get("/u/7/card", navigate)).headers.get("x-card")).toBe("1");
    expect((await get("/u/7/8/card", navigate)).headers.get("x-card")).toBeNull();
  });
});
