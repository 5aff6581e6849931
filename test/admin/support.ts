/**
 * Calling the admin routes as the operator would: the admin token as a Bearer header, and the
 * log lines of the calls captured to find the events (and prove they hold no secret).
 */
import { vi } from "vitest";
import type { Env } from "../../src/config/env.ts";
import { bff } from "../helpers/bff.ts";

/** A well-formed admin token for the tests (never a real one). */
export const TOKEN = "t0k3n-Adm1n_9f8e7d6c5b4a3Z2Y1X0WvU";
export const ADMIN_ENV: Partial<Env> = { ADMIN_TOKEN: TOKEN };

/** An admin call with the token (or `token`), on a deployment with ADMIN_TOKEN set (or `env`). */
export function admin(
  path: string,
  init: { method?: string; token?: string | null; env?: Partial<Env>; headers?: Record<string, string> } = {},
): Promise<Response> {
  const headers: Record<string, string> = { ...init.headers };
  const token = init.token === undefined ? TOKEN : init.token;
  if (token !== null) headers.authorization = `Bearer ${token}`;
  return bff(path, { method: init.method ?? "GET", headers, env: init.env ?? ADMIN_ENV });
}

/** Every console line written from now on (restore with vi.restoreAllMocks). */
export function captureLines(): string[] {
  const lines: string[] = [];
  for (const method of ["info", "warn", "error", "log"] as const) {
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
      lines.push(args.map(String).join(" "));
    });
  }
  return lines;
}

/** The JSON lines among `lines` whose event is `event`. */
export function eventsNamed(lines: readonly string[], event: string): Record<string, unknown>[] {
  return lines
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((e) => e.event === event);
}
