/**
 * Serving a registration: the registrar copies it to KV with how long a login start may trust
 * the copy without asking (src/registry/keeping.ts), so most logins cost one KV read.
 */

import { nowSeconds } from "../clock.ts";
import type { RegistrarResult } from "../config/registrar-rpc.ts";
import { log } from "../log.ts";
import { checkedAt, readAnchor } from "./anchor.ts";
import { CHECK_INTERVAL, KV_TRUST } from "./keeping.ts";
import type { Current, RegistrarScope } from "./scope.ts";
import { appKvKey } from "./storage-keys.ts";

/** Writes KV copies, at most one per fingerprint a minute: KV allows one write per second per key. */
export class KvPublisher {
  /** When each fingerprint was last copied to KV. */
  readonly #publishedAt = new Map<string, number>();

  readonly scope: RegistrarScope;

  constructor(scope: RegistrarScope) {
    this.scope = scope;
  }

  /** The next copy of `fp` is written whatever the last one was (its registration changed). */
  forget(fp: string): void {
    this.#publishedAt.delete(fp);
  }

  /** Serves `current`, trusted in KV for a day when anchored, else until the next check is due. */
  async serve(host: string, fp: string, current: Current): Promise<RegistrarResult> {
    const now = nowSeconds();
    const anchored = (await readAnchor(this.scope, fp, current.registration, now)) !== null;
    const checked = (await checkedAt(this.scope, fp)) ?? now;
    // Anchored: nothing automatic deletes it. Otherwise the next login after the interval asks again.
    const trustUntil = anchored ? now + KV_TRUST : checked + CHECK_INTERVAL;
    await this.#publish(host, fp, current.sealed, trustUntil);
    return { ok: true, sealed: current.sealed };
  }

  /** Copies the registration to KV for one-read logins; a failed cache write never fails a login. */
  async #publish(host: string, fp: string, sealed: string, trustUntil: number): Promise<void> {
    // Self-hosted there is no KV: the Worker reads through the registrar instead.
    const kv = this.scope.env().APPS;
    if (kv === undefined) return;
    const now = nowSeconds();
    if ((this.#publishedAt.get(fp) ?? 0) > now - 60 || trustUntil <= now) return;
    this.#publishedAt.set(fp, now);
    try {
      const value = JSON.stringify({ sealed, trustUntil });
      const expirationTtl = Math.max(60, trustUntil - now);
      await kv.put(appKvKey(host, fp), value, { expirationTtl });
    } catch (error) {
      log("warn", "kv_write_failed", { host, internal: String(error) });
    }
  }
}
