/** `GET /api/v1/accounts/verify_credentials`: who the token belongs to, checked field by field. */
import { BffError } from "../errors.ts";
import { discard, readJson, type UpstreamContext, upstreamFetch } from "../http/upstream.ts";

export interface AccountInfo {
  readonly id: string;
  readonly acct: string;
  readonly username: string;
  readonly displayName: string;
  readonly avatar: string;
  readonly url: string;
}

export async function verifyCredentials(
  ctx: UpstreamContext,
  origin: string,
  token: string,
): Promise<AccountInfo> {
  const res = await upstreamFetch(ctx, `${origin}/api/v1/accounts/verify_credentials`, {
    headers: { accept: "application/json", authorization: `Bearer ${token}` },
  });
  if (res.status !== 200) {
    await discard(res);
    throw new BffError("account_lookup_failed", "The instance did not tell who signed in.", {
      internal: `verify_credentials answered ${res.status}`,
    });
  }
  const json = await readJson(res, "account_lookup_failed");
  const record = typeof json === "object" && json !== null ? (json as Record<string, unknown>) : {};
  const id = text(record.id, 64);
  const username = text(record.username, 64);
  if (id === "" || username === "") {
    throw new BffError("account_lookup_failed", "The instance did not tell who signed in.", {
      internal: "verify_credentials without id/username",
    });
  }
  return {
    id,
    username,
    acct: text(record.acct, 320) || username,
    displayName: text(record.display_name, 120),
    avatar: httpUrl(record.avatar),
    url: httpUrl(record.url),
  };
}

function text(value: unknown, max: number): string {
  if (typeof value === "number") return String(value);
  return typeof value === "string" ? value.slice(0, max) : "";
}

/** Only http(s) URLs reach the frontend (no `javascript:` from a hostile instance). */
function httpUrl(value: unknown): string {
  if (typeof value !== "string" || value.length > 512) return "";
  try {
    const url = new URL(value);
    return url.protocol === "https:" || url.protocol === "http:" ? url.href : "";
  } catch {
    return "";
  }
}
