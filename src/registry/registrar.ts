/**
 * The Durable Object that is the single writer of one instance host's app registrations
 * (`idFromName(host)`). KV is eventually consistent and caches misses for ~60 s, so
 * "read KV → miss → register" would register again and again; here concurrent callers share one
 * registration attempt, the result is stored durably, and failures back off (429 → Retry-After).
 * It also keeps each registration alive and decides, before a login uses one, whether it can
 * still be alive on that server (src/registry/keeping.ts). Results cross the RPC boundary as
 * plain data; registrations and app tokens stay sealed. This class decides; its parts keep the
 * records: anchor.ts, clients.ts, per-login.ts, backoff.ts, publish.ts, create-registration.ts.
 */
import { DurableObject } from "cloudflare:workers";
import { nowSeconds } from "../clock.ts";
import type { Env } from "../config/env.ts";
import type { RegistrarResult, RegistrarRpc } from "../config/registrar-rpc.ts";
import { seal } from "../crypto/seal.ts";
import { isBffError } from "../errors.ts";
import type { RegistrationRequest } from "../oauth/registration.ts";
import { checkedAt, mintAnchor, readAnchor, sealedAnchor } from "./anchor.ts";
import { activeBackoff, backOff } from "./backoff.ts";
import { pruneClients, readClient, readCurrent, storeCurrent } from "./clients.ts";
import { createRegistration } from "./create-registration.ts";
import {
  APP_TOKEN_RENEW_INTERVAL,
  CHECK_INTERVAL,
  keepingOf,
  REGISTRATION_SEAL_TTL,
  REPLACE_INTERVAL,
  reusesPerLoginApps,
} from "./keeping.ts";
import { heldPerLogin, recordPerLogin, releasedPerLogin, startPerLogin } from "./per-login.ts";
import { KvPublisher } from "./publish.ts";
import { RefreshGrants } from "./refresh.ts";
import { queueRevoke, retryRevokes } from "./revoke-queue.ts";
import { type Current, configOf, keyRingOf, type RegistrarScope } from "./scope.ts";
import { doProbeKey, doReplacedKey, registrationFingerprint } from "./storage-keys.ts";
import { addHolder, removeHolder } from "./token-holders.ts";

/** What a caller knows of the registration it asks about. */
type Ask =
  | { readonly kind: "any" }
  /** The instance answered `invalid_client` for this client. */
  | { readonly kind: "dead"; readonly clientId: string }
  /** A login with this client never came back: check it with the instance first. */
  | { readonly kind: "suspect"; readonly clientId: string };

export class Registrar extends DurableObject<Env> implements RegistrarRpc {
  readonly #inflight = new Map<string, Promise<RegistrarResult>>();
  readonly #tokenInflight = new Map<string, Promise<RegistrarResult>>();
  readonly #scope: RegistrarScope = { state: this.ctx, env: () => this.env };
  readonly #kv = new KvPublisher(this.#scope);
  readonly #refreshes = new RefreshGrants(this.#scope);

  /** A registration a new login can use, registering once if there is none. */
  async ensure(req: RegistrationRequest): Promise<RegistrarResult> {
    return this.#run(req, { kind: "any" });
  }

  /** Replaces a registration the instance called dead (`invalid_client`), once for all callers. */
  async replace(req: RegistrationRequest, deadClientId: string): Promise<RegistrarResult> {
    return this.#run(req, { kind: "dead", clientId: deadClientId });
  }

  /**
   * A registration for a login that retries one with `clientId` that never came back: the
   * instance may have shown an error on its own pages (GoToSocial reports a deleted app only
   * there), so the client is checked first (at most once per CHECK_INTERVAL) and replaced if dead.
   */
  async verify(req: RegistrationRequest, clientId: string): Promise<RegistrarResult> {
    return this.#run(req, { kind: "suspect", clientId });
  }

  /**
   * The sealed app token of the current registration. `rejected` is a token the instance just
   * refused: it is renewed at most once per APP_TOKEN_RENEW_INTERVAL (a fresh token refused means
   * the endpoint is not public there, and minting more would only fill the instance's tables).
   */
  async appToken(req: RegistrationRequest, rejected: string | null): Promise<RegistrarResult> {
    const fp = await registrationFingerprint(req);
    const pending = this.#tokenInflight.get(fp);
    if (pending !== undefined) return pending;
    const attempt = this.#appToken(req, fp, rejected).finally(() => this.#tokenInflight.delete(fp));
    this.#tokenInflight.set(fp, attempt);
    return attempt;
  }

  /** A refresh grant for a session's token, once per refresh token (src/registry/refresh.ts). */
  async refresh(clientId: string, refreshToken: string): Promise<RegistrarResult> {
    return this.#refreshes.refresh(clientId, refreshToken);
  }

  /** Any registration of this host by client_id, including replaced ones (sealed), or null. */
  async byClientId(clientId: string): Promise<string | null> {
    return readClient(this.#scope, clientId);
  }

  /** A session holds the token with this keyed hash until `until` (token-holders.ts). */
  async holdToken(hash: string, holder: string, until: number, clientId: string): Promise<void> {
    await addHolder(this.#scope, hash, holder, until);
    await heldPerLogin(this.#scope, clientId);
  }

  /** A revoke that failed (no answer, 429, 5xx): tried again on this object's alarm (revoke-queue.ts). */
  async queueRevoke(host: string, sealedToken: string, clientId: string): Promise<boolean> {
    return queueRevoke(this.#scope, host, sealedToken, clientId);
  }

  /** Durable Object alarm: the queued revocations that are due. */
  override async alarm(): Promise<void> {
    await retryRevokes(this.#scope);
  }

  /** A session let go of the token; true when no other session holds it, so it may be revoked. */
  async releaseToken(hash: string, holder: string | undefined, clientId: string): Promise<boolean> {
    const last = await removeHolder(this.#scope, hash, holder);
    if (last) await releasedPerLogin(this.#scope, clientId);
    return last;
  }

  async #run(req: RegistrationRequest, ask: Ask): Promise<RegistrarResult> {
    const fp = await registrationFingerprint(req);
    const blocked = await activeBackoff(this.#scope, fp);
    if (blocked !== null) return blocked;
    const current = await readCurrent(this.#scope, fp, req.host);
    // One app per login: never shared, so never single-flighted either.
    if (current !== null && keepingOf(current.registration.software) === "per-login") {
      return this.#registerPerLogin(req, fp, current);
    }
    const pending = this.#inflight.get(fp);
    if (pending !== undefined) {
      const shared = await pending;
      // The first registration just showed a server with one app per login: this login gets its own.
      const now = shared.ok ? await readCurrent(this.#scope, fp, req.host) : null;
      if (now === null || keepingOf(now.registration.software) !== "per-login") return shared;
      return this.#registerPerLogin(req, fp, now);
    }
    const attempt = this.#decide(req, fp, current, ask).finally(() => this.#inflight.delete(fp));
    this.#inflight.set(fp, attempt);
    return attempt;
  }

  async #decide(
    req: RegistrationRequest,
    fp: string,
    current: Current | null,
    ask: Ask,
  ): Promise<RegistrarResult> {
    if (current === null) return this.#register(req, fp, null);
    const asked = ask.kind !== "any" && ask.clientId === current.registration.clientId;
    if (asked && ask.kind === "dead") {
      const replacedAt = (await this.ctx.storage.get<number>(doReplacedKey(fp))) ?? 0;
      if (replacedAt <= nowSeconds() - REPLACE_INTERVAL) return this.#register(req, fp, current);
      // Replaced just now, and called dead again: a server that forgets every new app must not make
      // each login register, but one that forgot its apps twice must not lock users out either. The
      // instance's own "unknown client" to a check (at most one per CHECK_INTERVAL) is the proof.
    }
    return this.#keep(req, fp, current, asked ? ask.kind : null);
  }

  /**
   * Serves the current registration, anchoring it (or checking it) first when that is due. A
   * `suspect` one (a login never came back, or the instance called it dead) is checked with the
   * instance, at most once per CHECK_INTERVAL, and replaced if the instance no longer knows it.
   */
  async #keep(req: RegistrationRequest, fp: string, current: Current, suspect: Ask["kind"] | null) {
    const now = nowSeconds();
    if (suspect !== null) {
      let probed = (await this.ctx.storage.get<number>(doProbeKey(fp))) ?? 0;
      // Called dead again right after a replacement: any check counts, the new app's anchor too,
      // so a server that forgets every new app at once gets at most one registration a minute.
      if (suspect === "dead") probed = Math.max(probed, (await checkedAt(this.#scope, fp)) ?? 0);
      if (probed > now - CHECK_INTERVAL) return this.#kv.serve(req.host, fp, current);
      await this.ctx.storage.put(doProbeKey(fp), now);
      const status = await mintAnchor(this.#scope, fp, current.registration);
      return status === "dead" ? this.#register(req, fp, current) : this.#kv.serve(req.host, fp, current);
    }
    if ((await readAnchor(this.#scope, fp, current.registration, now)) === null) {
      const checked = (await checkedAt(this.#scope, fp)) ?? 0;
      if (checked <= now - CHECK_INTERVAL) {
        const status = await mintAnchor(this.#scope, fp, current.registration);
        if (status === "dead") return this.#register(req, fp, current);
      }
    }
    return this.#kv.serve(req.host, fp, current);
  }

  async #appToken(req: RegistrationRequest, fp: string, rejected: string | null): Promise<RegistrarResult> {
    const base = await this.#run(req, { kind: "any" });
    if (!base.ok) return base;
    const current = await readCurrent(this.#scope, fp, req.host);
    if (current === null) return unreadable();
    if (keepingOf(current.registration.software) === "per-login") {
      return {
        ok: false,
        code: "unsupported_instance",
        description: "This server gives app tokens the rights of a user; its public API is not proxied.",
      };
    }
    const now = nowSeconds();
    const anchor = await readAnchor(this.#scope, fp, current.registration, now);
    const usable = anchor !== null && anchor.expiresAt > now;
    if (usable && (anchor.token !== rejected || anchor.mintedAt > now - APP_TOKEN_RENEW_INTERVAL)) {
      return { ok: true, sealed: (await sealedAnchor(this.#scope, fp)) as string };
    }
    const checked = (await checkedAt(this.#scope, fp)) ?? 0;
    if (!usable && anchor === null && checked > now - CHECK_INTERVAL) return noAppToken(req.host);
    return this.#renewAnchor(req, fp, current);
  }

  /** Mints a new anchor; a client the instance calls dead is registered again first. */
  async #renewAnchor(req: RegistrationRequest, fp: string, current: Current): Promise<RegistrarResult> {
    const status = await mintAnchor(this.#scope, fp, current.registration);
    if (status === "dead") {
      const replaced = await this.#register(req, fp, current);
      if (!replaced.ok) return replaced;
    }
    const sealed = await sealedAnchor(this.#scope, fp);
    return sealed === undefined ? noAppToken(req.host) : { ok: true, sealed };
  }

  /** One app per login (src/registry/keeping.ts), within the client's share (per-login.ts). */
  async #registerPerLogin(req: RegistrationRequest, fp: string, current: Current): Promise<RegistrarResult> {
    const reusable = reusesPerLoginApps(current.registration.software);
    const start = await startPerLogin(this.#scope, req.client ?? "", reusable);
    if (start.kind === "refused") return start.result;
    if (start.kind === "reuse") return { ok: true, sealed: start.sealed };
    return this.#register(req, fp, current);
  }

  async #register(req: RegistrationRequest, fp: string, previous: Current | null): Promise<RegistrarResult> {
    const config = configOf(this.#scope);
    try {
      const registration = await createRegistration(config, req, previous?.registration);
      const sealed = await seal(
        { ...registration },
        "app",
        await keyRingOf(this.#scope),
        REGISTRATION_SEAL_TTL,
      );
      const next = { registration, sealed };
      await storeCurrent(this.#scope, fp, next, previous, config.sessionTtl);
      this.#kv.forget(fp);
      await pruneClients(this.#scope, nowSeconds());
      if (keepingOf(registration.software) === "per-login") {
        const reusable = reusesPerLoginApps(registration.software);
        await recordPerLogin(this.#scope, registration.clientId, req.client ?? "", reusable);
        return { ok: true, sealed };
      }
      await mintAnchor(this.#scope, fp, registration);
      return this.#kv.serve(req.host, fp, next);
    } catch (error) {
      if (!isBffError(error)) throw error;
      return backOff(this.#scope, fp, req.host, error);
    }
  }
}

function unreadable(): RegistrarResult {
  return { ok: false, code: "internal_error", description: "Registration unreadable." };
}

function noAppToken(host: string): RegistrarResult {
  return { ok: false, code: "token_exchange_failed", description: `${host} did not grant an app token.` };
}
