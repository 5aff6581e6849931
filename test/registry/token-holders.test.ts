/**
 * What the Registrar keeps about which sessions hold a token: never the token, and bounded
 * whatever happens — holdings per token capped, records of ended sessions swept.
 */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/config.ts";
import type { Env } from "../../src/config/env.ts";
import { getKeyRing } from "../../src/crypto/key-ring.ts";
import { DO_HOLDERS_PREFIX, doHoldersKey } from "../../src/registry/storage-keys.ts";
import { MAX_HOLDERS } from "../../src/registry/token-holders.ts";
import { SESSION_COOKIE } from "../../src/session/cookies.ts";
import { readSession } from "../../src/session/store.ts";
import { type CookieJar, fullLogin } from "../helpers/bff.ts";
import { uniqueHost } from "../helpers/fake.ts";

const registrarOf = (host: string) => env.REGISTRAR.get(env.REGISTRAR.idFromName(host));

async function storedRecords(host: string): Promise<Map<string, unknown>> {
  return runInDurableObject(registrarOf(host), async (_, state) => state.storage.list());
}

describe("the Registrar's token holdings", () => {
  it("keeps a keyed hash of the token, never the token itself", async () => {
    const host = uniqueHost("mastodon");
    const laptop = await fullLogin(host, { user: "alice" });
    const phone = await fullLogin(host, { user: "alice" });
    const [token] = await sessionTokens(laptop.jar);
    expect(await sessionTokens(phone.jar)).toEqual([token]); // Mastodon handed out the same token
    const records = await storedRecords(host);
    const holders = [...records.entries()].filter(([key]) => key.startsWith(DO_HOLDERS_PREFIX));
    expect(holders).toHaveLength(1);
    expect(Object.keys(holders[0]?.[1] as object)).toHaveLength(2);
    const dump = JSON.stringify([...records.entries()]);
    expect(token?.length).toBeGreaterThan(20);
    expect(dump).not.toContain(token);
  });

  it(`keeps at most ${MAX_HOLDERS} holdings per token, the ones ending last`, async () => {
    const host = uniqueHost("gts");
    const stub = registrarOf(host);
    const now = Math.floor(Date.now() / 1000);
    for (let i = 0; i < MAX_HOLDERS + 8; i++)
      await stub.holdToken("h-hash", `holder-${i}`, now + 1000 + i, "c");
    const record = await runInDurableObject(stub, async (_, state) =>
      state.storage.get<Record<string, number>>(doHoldersKey("h-hash")),
    );
    expect(Object.keys(record ?? {})).toHaveLength(MAX_HOLDERS);
    expect(record?.[`holder-${MAX_HOLDERS + 7}`]).toBe(now + 1000 + MAX_HOLDERS + 7);
    expect(record?.["holder-0"]).toBeUndefined();
  });

  it("sweeps the records of tokens whose sessions all ended, and says so at release", async () => {
    const host = uniqueHost("gts");
    const stub = registrarOf(host);
    await runInDurableObject(stub, async (_, state) => {
      for (let i = 0; i < 10; i++) await state.storage.put(doHoldersKey(`ended-${i}`), { old: 1 });
    });
    await stub.holdToken("live", "h", Math.floor(Date.now() / 1000) + 1000, "c");
    const keys = [...(await storedRecords(host)).keys()].filter((k) => k.startsWith(DO_HOLDERS_PREFIX));
    expect(keys).toEqual([doHoldersKey("live")]);
    expect(await stub.releaseToken("live", "someone-else", "c")).toBe(false);
    expect(await stub.releaseToken("live", "h", "c")).toBe(true);
    expect(await stub.releaseToken("never-held", undefined, "c")).toBe(true);
  });
});

/** The tokens a browser's session cookie holds (opened with the deployment's key ring). */
async function sessionTokens(jar: CookieJar): Promise<string[]> {
  const ring = await getKeyRing(loadConfig(env as Env).sessionKeys);
  const session = await readSession(`${SESSION_COOKIE}=${jar.cookies.get(SESSION_COOKIE) ?? ""}`, ring);
  return session?.accounts.map((a) => a.token) ?? [];
}
