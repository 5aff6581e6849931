/**
 * The registrar's refresh grants: one per refresh token, whatever the number of tabs and requests
 * that hold it. Servers that rotate refresh tokens (Pixelfed: league/oauth2-server revokes the old
 * access and refresh token at once) refuse the old refresh token once it was used, so a second
 * grant with it would end a session that is fine. Concurrent callers share one grant in memory;
 * later callers within REFRESH_MEMO get its stored result. The result is sealed (purpose
 * "refresh"); the key is a digest of the refresh token, which is never stored in clear.
 */

import { nowSeconds } from "../clock.ts";
import type { RegistrarResult } from "../config/registrar-rpc.ts";
import { open, seal } from "../crypto/seal.ts";
import { isBffError } from "../errors.ts";
import { refreshAccessToken } from "../oauth/refresh.ts";
import { decodeRegistration } from "../oauth/registration.ts";
import { readClient } from "./clients.ts";
import { configOf, keyRingOf, type RegistrarScope, upstreamContext } from "./scope.ts";
import { DO_REFRESH_PREFIX, doRefreshKey } from "./storage-keys.ts";

/** How long a grant's result is handed to callers that present the same refresh token (s). */
export const REFRESH_MEMO = 900;

interface StoredRefresh {
  readonly sealed: string;
  readonly until: number;
}

/** The sealed claims: `t` access token, `x` expires_in (as sent), `r` refresh token. */
export type RefreshClaims = { readonly t: string; readonly x?: number; readonly r?: string };

export class RefreshGrants {
  readonly #inflight = new Map<string, Promise<RegistrarResult>>();
  readonly scope: RegistrarScope;

  constructor(scope: RegistrarScope) {
    this.scope = scope;
  }

  /** The grant for (`clientId`, `refreshToken`): shared with concurrent and recent callers. */
  async refresh(clientId: string, refreshToken: string): Promise<RegistrarResult> {
    const key = await doRefreshKey(clientId, refreshToken);
    const pending = this.#inflight.get(key);
    if (pending !== undefined) return pending;
    const attempt = this.#grant(key, clientId, refreshToken).finally(() => this.#inflight.delete(key));
    this.#inflight.set(key, attempt);
    return attempt;
  }

  async #grant(key: string, clientId: string, refreshToken: string): Promise<RegistrarResult> {
    const storage = this.scope.state.storage;
    const now = nowSeconds();
    const stored = await storage.get<StoredRefresh>(key);
    if (stored !== undefined && stored.until > now) return { ok: true, sealed: stored.sealed };
    const ring = await keyRingOf(this.scope);
    const sealedClient = await readClient(this.scope, clientId);
    const payload = sealedClient === null ? null : await open(sealedClient, "app", ring);
    const registration = payload === null ? null : decodeRegistration(payload);
    if (registration === null) {
      return { ok: false, code: "reauth_required", description: "This sign-in's app is no longer known." };
    }
    try {
      const issued = await refreshAccessToken(
        upstreamContext(configOf(this.scope)),
        registration,
        refreshToken,
      );
      const claims: RefreshClaims = {
        t: issued.accessToken,
        ...(issued.expiresIn === undefined ? {} : { x: issued.expiresIn }),
        ...(issued.refreshToken === undefined ? {} : { r: issued.refreshToken }),
      };
      const sealed = await seal({ ...claims }, "refresh", ring, REFRESH_MEMO, now);
      await storage.put(key, { sealed, until: now + REFRESH_MEMO } satisfies StoredRefresh);
      await this.#prune(now);
      return { ok: true, sealed };
    } catch (error) {
      if (!isBffError(error)) throw error;
      return { ok: false, code: error.code, description: error.message };
    }
  }

  /** Drops results past their time, so the records stay bounded by the grants of REFRESH_MEMO. */
  async #prune(now: number): Promise<void> {
    const storage = this.scope.state.storage;
    const records = await storage.list<StoredRefresh>({ prefix: DO_REFRESH_PREFIX, limit: 1000 });
    const expired = [...records].filter(([, v]) => v.until <= now).map(([k]) => k);
    for (let i = 0; i < expired.length; i += 128) await storage.delete(expired.slice(i, i + 128));
  }
}
