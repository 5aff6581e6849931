/**
 * Registers fedi-bff as an OAuth app on an instance (`POST /api/v1/apps`). The body is
 * form-encoded with `redirect_uris` as ONE string: GoToSocial rejects an array.
 */
import { BffError } from "../errors.ts";
import { asRecord, discard, readJson, retryAfterSeconds, type UpstreamContext } from "../http/upstream.ts";
import { postForm } from "./form.ts";
import { isTokenSyntax } from "./token-syntax.ts";

export interface AppCredentials {
  readonly clientId: string;
  readonly clientSecret: string;
}

export interface AppRegistrationInput {
  readonly endpoint: string;
  readonly host: string;
  readonly redirectUri: string;
  readonly scopes: string;
  readonly appName: string;
  readonly appWebsite: string | null;
}

export async function registerApp(
  ctx: UpstreamContext,
  input: AppRegistrationInput,
): Promise<AppCredentials> {
  const fields = {
    client_name: input.appName,
    redirect_uris: input.redirectUri,
    scopes: input.scopes,
    website: input.appWebsite ?? undefined,
  };
  // A duplicate registration is harmless: sent once more if a pooled connection was just closed.
  const res = await postForm(ctx, input.endpoint, fields, { retryOnConnectionLoss: true });
  return processRegistrationResponse(res, input.host);
}

/** Sorts the answer into credentials or a named failure (arctic's four kinds). */
export async function processRegistrationResponse(res: Response, host: string): Promise<AppCredentials> {
  if (res.status === 429) {
    const retryAfter = retryAfterSeconds(res);
    await discard(res);
    throw new BffError(
      "registration_rate_limited",
      `${host} is rate-limiting app registrations; try again later.`,
      {
        headers: { "retry-after": String(retryAfter) },
        internal: `429 from ${host}, retry after ${retryAfter}s`,
      },
    );
  }
  if (res.status === 404 || res.status === 405 || res.status === 501) {
    await discard(res);
    throw new BffError("unsupported_instance", `${host} does not offer the Mastodon client API.`, {
      internal: `POST apps answered ${res.status}`,
    });
  }
  // A proxy in front of a server that is down answers for it: the server is unreachable, not refusing.
  if (res.status === 502 || res.status === 503 || res.status === 504) {
    await discard(res);
    throw new BffError(
      "instance_unreachable",
      `${host} is not answering (HTTP ${res.status}); try again later.`,
      {
        internal: `POST apps answered ${res.status}`,
      },
    );
  }
  // A Mastodon-API server answers JSON, refusals included; an HTML page means no such API there.
  if (/^text\/html\b/i.test(res.headers.get("content-type") ?? "") && res.status < 500) {
    await discard(res);
    throw new BffError(
      "unsupported_instance",
      `${host} answered with a web page, not the Mastodon client API: is it a Mastodon-compatible server?`,
      { internal: `POST apps answered ${res.status} with an HTML page` },
    );
  }
  if (res.status !== 200 && res.status !== 201) {
    await discard(res);
    throw new BffError("registration_failed", `${host} refused to register the app.`, {
      internal: `POST apps answered ${res.status}`,
    });
  }
  const record = asRecord(await readJson(res, "registration_failed")) ?? {};
  const clientId = record.client_id;
  const clientSecret = record.client_secret;
  if (!isCredential(clientId) || !isCredential(clientSecret)) {
    throw new BffError(
      "registration_failed",
      `${host} answered the app registration without usable credentials.`,
      {
        internal: "client_id/client_secret missing or malformed",
      },
    );
  }
  return { clientId, clientSecret };
}

/** Visible ASCII, bounded: these values end up in URLs and form bodies. */
function isCredential(value: unknown): value is string {
  return isTokenSyntax(value, 512);
}
