/** `GET /api/v1/accounts/verify_credentials`: who the token belongs to, checked field by field. */
import { BffError } from "../errors.ts";
import { asRecord, discard, readJson, type UpstreamContext, upstreamFetch } from "../http/upstream.ts";

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
  const record = asRecord(await readJson(res, "account_lookup_failed")) ?? {};
  const id = text(record.id, 64);
  const username = text(record.username, 64);
  if (!LOCAL_NAME.test(id) || !LOCAL_NAME.test(username)) {
    throw new BffError("account_lookup_failed", "The instance did not tell who signed in.", {
      internal: "verify_credentials without a usable id/username",
    });
  }
  // Who signed in is named by the instance fedi-bff asked: an `acct` claiming another domain
  // (`alice@elsewhere`) is not this instance's to make, so only a local acct is kept.
  const acct = text(record.acct, 320);
  return {
    id,
    username,
    acct: LOCAL_NAME.test(acct) ? acct : username,
    displayName: text(record.display_name, 120),
    avatar: httpUrl(record.avatar),
    url: httpUrl(record.url),
  };
}

/**
 * An id or a local username: visible ASCII without `@`, so that `<id>@<instance>` (the account's
 * key in the session) and `acct` cannot name an account of another instance.
 */
const LOCAL_NAME = /^[\x21-\x3f\x41-\x7e]{1,64}$/;

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
