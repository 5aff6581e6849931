/**
 * The browser client takes an error code only from fedi-bff's own answers (marked with
 * `Fedi-Bff-Error`): an instance's body that spells one of fedi-bff's codes is the instance's
 * error, `.code` null. An account whose sign-in ended is reported with its key, and to
 * `onSignInEnded`, so an app can send the user to sign in again.
 */
import { describe, expect, it } from "vitest";
import { FediBffError } from "../../src/client/index.ts";
import { injectFault, revokeTokens, uniqueHost } from "../helpers/fake.ts";
import { rejectionOf } from "../helpers/rejection.ts";
import { browser, logIn } from "./support.ts";

async function signedInPage() {
  const ended: FediBffError[] = [];
  const page = browser({ onSignInEnded: (error) => ended.push(error) });
  const host = uniqueHost("mastodon");
  await logIn(page, host, "/");
  const session = await page.client.session();
  return { client: page.client, host, ended, key: session?.active ?? "" };
}

const rejection = (promise: Promise<unknown>) => rejectionOf(promise, FediBffError);

describe("browser client: whose error it is", () => {
  it.each([
    [403, "session_revoked"],
    [422, "not_authenticated"],
    [500, "reauth_required"],
  ])("reports an instance's %i {error: %s} with code null", async (status, code) => {
    const { client, host, ended } = await signedInPage();
    await injectFault(host, {
      path: "/api/v1/timelines/home",
      kind: "status",
      status,
      body: { error: code },
      times: 1,
    });
    const error = await rejection(client.api("/api/v1/timelines/home"));
    expect({ code: error.code, status: error.status, body: error.body }).toEqual({
      code: null,
      status,
      body: { error: code },
    });
    expect(error.signInRequired).toBe(false);
    expect(error.account).toBeNull();
    expect(ended).toEqual([]);
  });

  it("reports fedi-bff's own session_revoked with the account, and tells onSignInEnded", async () => {
    const { client, host, ended, key } = await signedInPage();
    await revokeTokens(host);
    const error = await rejection(client.api("/api/v1/timelines/home"));
    expect({ code: error.code, status: error.status, account: error.account }).toEqual({
      code: "session_revoked",
      status: 401,
      account: key,
    });
    expect(error.signInRequired).toBe(true);
    expect(ended).toEqual([error]);
    expect(await client.session()).toBeNull();
    expect(ended).toHaveLength(1);
  });
});
