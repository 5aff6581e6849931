/**
 * Drives oauth/ functions directly: an injected fetch answers from a script and records every
 * request; an unexpected request fails the test (the network fails closed).
 */
import type { UpstreamContext } from "../../src/http/upstream.ts";
import type { Registration } from "../../src/oauth/registration.ts";

export interface SeenRequest {
  readonly url: string;
  readonly method: string;
  readonly headers: Headers;
  readonly form: URLSearchParams;
}

/** A context whose fetch answers each request with the next of `answers`, in order. */
export function scripted(...answers: (() => Response | Promise<Response>)[]) {
  const seen: SeenRequest[] = [];
  const fetch: UpstreamContext["fetch"] = async (input, init) => {
    const request = new Request(input, init);
    const body = request.method === "GET" ? "" : new TextDecoder().decode(await request.arrayBuffer());
    seen.push({
      url: request.url,
      method: request.method,
      headers: request.headers,
      form: new URLSearchParams(body),
    });
    const answer = answers.shift();
    if (answer === undefined) throw new Error(`unexpected request to ${request.url}`);
    return answer();
  };
  const ctx: UpstreamContext = { fetch, userAgent: "fedi-bff/test", timeoutMs: 1000 };
  return { ctx, seen };
}

export function json(status: number, body: unknown, type = "application/json"): () => Response {
  return () => new Response(JSON.stringify(body), { status, headers: { "content-type": type } });
}

export function empty(status: number, headers: Record<string, string> = {}): () => Response {
  return () => new Response(null, { status, headers });
}

export const REGISTRATION: Registration = {
  host: "social.example",
  origin: "https://social.example",
  clientId: "client-1",
  clientSecret: "secret-1",
  redirectUri: "https://bff.example.com/auth/callback",
  scopes: "read write",
  endpoints: {
    register: "https://social.example/api/v1/apps",
    authorize: "https://social.example/oauth/authorize",
    token: "https://social.example/oauth/token",
    revoke: "https://social.example/oauth/revoke",
  },
  software: "mastodon",
  forceLogin: false,
  streaming: "wss://social.example",
  createdAt: 1_700_000_000,
};
