import { afterEach, describe, expect, it, vi } from "vitest";
import { BffError, OWN_ERROR_HEADER } from "../../src/errors.ts";
import { errorToResponse } from "../../src/middleware/errors.ts";

/** The log lines written while `run` runs. */
function logged(run: () => void): string[] {
  const lines: string[] = [];
  for (const method of ["info", "warn", "error"] as const) {
    vi.spyOn(console, method).mockImplementation((line: unknown) => {
      lines.push(String(line));
    });
  }
  run();
  return lines;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("errors into answers", () => {
  it("answers a named error with its status and code, no-store, never the internal reason", async () => {
    let res = new Response();
    const lines = logged(() => {
      const error = new BffError("instance_timeout", "The instance did not answer in time.", {
        internal: "connect timeout after 10000 ms",
      });
      res = errorToResponse(error, "/auth/login");
    });
    expect(res.status).toBe(504);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({
      error: "instance_timeout",
      error_description: "The instance did not answer in time.",
    });
    expect(text).not.toContain("10000");
    expect(lines.join("\n")).toContain("connect timeout after 10000 ms");
  });

  it("carries a named error's own headers (a cleared cookie)", () => {
    const error = new BffError("session_revoked", "Sign in again.", {
      headers: { "set-cookie": "__Host-fedi-bff-session=; Max-Age=0" },
    });
    const res = errorToResponse(error, "/api/v1/timelines/home");
    expect(res.status).toBe(401);
    expect(res.headers.get("set-cookie")).toBe("__Host-fedi-bff-session=; Max-Age=0");
  });

  it("marks every answer it builds as fedi-bff's own, and names the account an error is about", async () => {
    const error = new BffError("reauth_required", "Sign in again.", { account: "1@pixelfed.example" });
    const res = errorToResponse(error, "/api/v1/timelines/home");
    expect(res.headers.get(OWN_ERROR_HEADER)).toBe("1");
    expect(await res.json()).toEqual({
      error: "reauth_required",
      error_description: "Sign in again.",
      account: "1@pixelfed.example",
    });
    const generic = errorToResponse(new BffError("not_found", "No such route."), "/x");
    expect(generic.headers.get(OWN_ERROR_HEADER)).toBe("1");
  });

  it("turns any other exception into a generic 500 internal_error; the detail goes to the log only", async () => {
    let res = new Response();
    const lines = logged(() => {
      res = errorToResponse(new TypeError("secret-detail at frame 3"), "/auth/callback");
    });
    expect(res.status).toBe(500);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const body = (await res.json()) as Record<string, unknown>;
    expect(body.error).toBe("internal_error");
    expect(JSON.stringify(body)).not.toContain("secret-detail");
    const line = JSON.parse(lines.find((l) => l.includes("unexpected_error")) ?? "{}");
    expect(line).toMatchObject({ level: "error", path: "/auth/callback" });
    expect(line.internal).toContain("secret-detail");
  });

  it("answers a thrown non-Error with the same generic 500, never a 400", () => {
    let res = new Response();
    logged(() => {
      res = errorToResponse("a thrown string", "/");
    });
    expect(res.status).toBe(500);
  });
});
