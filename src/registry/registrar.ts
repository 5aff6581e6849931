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
import type { AdminAction, AdminResult, InstanceStatus } from "../config/registrar-admin.ts";
import type { RegistrarResult, RegistrarRpc, RegistrarSettings } from "../config/registrar-rpc.ts";
import { seal } from "../crypto/seal.ts";
import { isBffError } from "../errors.ts";
import type { Reason } from "../events.ts";
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
import { type Current, configOf, keyRingOf, type RegistrarScope, settingsEnv } from "./scope.ts";
import { indexedHosts, indexHost, instanceStatus, noteRegistered, operate } from "./status.ts";
import { doProbeKey, doReplacedKey, doStatsKey, registrationFingerprint } from "./storage-keys.ts";
import { addHolder, removeHolder } from "./token-holders.ts";

/** What a caller knows of the registration it asks about. */
type Ask =
  | { readonly kind: "any" }
  /** The instance answered `invalid_client` for this client. */
  | { readonly kind: "dead"; readonly clientId: string }
  /** A login with this client never came back: check it with the instance first. */
  | { readonly kind: "suspect"; readonly clientId: string };

/** One handler's view of this object: its settings' scope, KV copies and attempts in flight. */
interface Scoped {
  readonly scope: RegistrarScope;
  readonly kv: KvPublisher;
  readonly inflight: Map<string, Promise<RegistrarResult>>;
  readonly tokenInflight: Map<string, Promise<RegistrarResult>>;
  readonly refreshes: RefreshGrants;
}

/** Distinct settings an object keeps a scope for; past that each call builds its own. */
const SCOPES_KEPT = 16;

export class Registrar extends DurableObject<Env> implements RegistrarRpc {
  readonly #scopes = new Map<string, Scoped>();
  #alarmSettings: RegistrarSettings | undefined;

  /**
   * The scope of the handler that called: its settings (options laid over the Worker's variables)
   * decide the app's name, the keys that seal, the lists and timeouts — not this object's own env,
   * which knows nothing of a library's options. Without settings (an older caller), the env's.
   */
  #scoped(settings: RegistrarSettings | undefined): Scoped {
    const id = settings === undefined ? "" : JSON.stringify(Object.entries(settings).sort());
    const known = this.#scopes.get(id);
    if (known !== undefined) return known;
    const env = settings === undefined ? null : settingsEnv(() => this.env, settings);
    const scope: RegistrarScope = { state: this.ctx, env: () => env ?? this.env };
    const scoped = {
      scope,
      kv: new KvPublisher(scope),
      inflight: new Map(),
      tokenInflight: new Map(),
      refreshes: new RefreshGrants(scope),
    };
    if (this.#scopes.size < SCOPES_KEPT) this.#scopes.set(id, scoped);
    return scoped;
  }

  /** A registration a new login can use, registering once if there is none. */
  async ensure(req: RegistrationRequest, settings?: RegistrarSettings): Promise<RegistrarResult> {
    return this.#run(this.#scoped(settings), req, { kind: "any" });
  }

  /** Replaces a registration the instance called dead (`invalid_client`), once for all callers. */
  async replace(
    req: RegistrationRequest,
    deadClientId: string,
    settings?: RegistrarSettings,
  ): Promise<RegistrarResult> {
    return this.#run(this.#scoped(settings), req, { kind: "dead", clientId: deadClientId });
  }

  /**
   * A registration for a login that retries one with `clientId` that never came back: the
   * instance may have shown an error on its own pages (GoToSocial reports a deleted app only
   * there), so the client is checked first (at most once per CHECK_INTERVAL) and replaced if dead.
   */
  async verify(
    req: RegistrationRequest,
    clientId: string,
    settings?: RegistrarSettings,
  ): Promise<RegistrarResult> {
    return this.#run(this.#scoped(settings), req, { kind: "suspect", clientId });
  }

  /**
   * The sealed app token of the current registration. `rejected` is a token the instance just
   * refused: it is renewed at most once per APP_TOKEN_RENEW_INTERVAL (a fresh token refused means
   * the endpoint is not public there, and minting more would only fill the instance's tables).
   */
  async appToken(
    req: RegistrationRequest,
    rejected: string | null,
    settings?: RegistrarSettings,
  ): Promise<RegistrarResult> {
    const s = this.#scoped(settings);
    const fp = await registrationFingerprint(req);
    const pending = s.tokenInflight.get(fp);
    if (pending !== undefined) return pending;
    const attempt = this.#appToken(s, req, fp, rejected).finally(() => s.tokenInflight.delete(fp));
    s.tokenInflight.set(fp, attempt);
    return attempt;
  }

  /** A refresh grant for a session's token, once per refresh token (src/registry/refresh.ts). */
  async refresh(
    clientId: string,
    refreshToken: string,
    settings?: RegistrarSettings,
  ): Promise<RegistrarResult> {
    return this.#scoped(settings).refreshes.refresh(clientId, refreshToken);
  }

  /** Any registration of this host by client_id, including replaced ones (sealed), or null. */
  async byClientId(clientId: string): Promise<string | null> {
    return readClient(this.#scoped(undefined).scope, clientId);
  }

  /** A session holds the token with this keyed hash until `until` (token-holders.ts). */
  async holdToken(hash: string, holder: string, until: number, clientId: string): Promise<void> {
    const { scope } = this.#scoped(undefined);
    await addHolder(scope, hash, holder, until);
    await heldPerLogin(scope, clientId);
  }

  /** A session let go of the token; true when no other session holds it, so it may be revoked. */
  async releaseToken(hash: string, holder: string | undefined, clientId: string): Promise<boolean> {
    const { scope } = this.#scoped(undefined);
    const last = await removeHolder(scope, hash, holder);
    if (last) await releasedPerLogin(scope, clientId);
    return last;
  }

  /** A revoke that failed (no answer, 429, 5xx): tried again on this object's alarm (revoke-queue.ts). */
  async queueRevoke(
    host: string,
    sealedToken: string,
    clientId: string,
    settings?: RegistrarSettings,
  ): Promise<boolean> {
    // The alarm has no caller: it opens the queued tokens with the last caller's keys (in memory
    // only; after an eviction, with the object's own env).
    this.#alarmSettings = settings;
    return queueRevoke(this.#scoped(settings).scope, host, sealedToken, clientId);
  }

  /** Durable Object alarm: the queued revocations that are due. */
  override async alarm(): Promise<void> {
    await retryRevokes(this.#scoped(this.#alarmSettings).scope);
  }

  /** The operator's view of this instance (src/registry/status.ts). */
  async status(req: RegistrationRequest, settings?: RegistrarSettings): Promise<InstanceStatus> {
    return instanceStatus(this.#scoped(settings).scope, req, await registrationFingerprint(req));
  }

  /** An operator's repair (src/registry/status.ts), bounded like the automatic ones. */
  async operate(
    req: RegistrationRequest,
    action: AdminAction,
    settings?: RegistrarSettings,
  ): Promise<AdminResult> {
    const s = this.#scoped(settings);
    const fp = await registrationFingerprint(req);
    return operate(s.scope, req, fp, action, (current) =>
      this.#register(s, req, fp, current, "operator_forced"),
    );
  }

  async indexHost(host: string): Promise<void> {
    await indexHost(this.#scoped(undefined).scope, host);
  }

  async indexedHosts(): Promise<string[]> {
    return indexedHosts(this.#scoped(undefined).scope);
  }

  /** Readiness: this object's storage takes a write and gives it back. */
  async ping(): Promise<boolean> {
    const now = nowSeconds();
    await this.ctx.storage.put(doStatsKey("ping"), now);
    return (await this.ctx.storage.get<number>(doStatsKey("ping"))) === now;
  }

  async #run(s: Scoped, req: RegistrationRequest, ask: Ask): Promise<RegistrarResult> {
    const fp = await registrationFingerprint(req);
    const blocked = await activeBackoff(s.scope, fp);
    if (blocked !== null) return blocked;
    const current = await readCurrent(s.scope, fp, req.host);
    // One app per login: never shared, so never single-flighted either.
    if (current !== null && keepingOf(current.registration.software) === "per-login") {
      return this.#registerPerLogin(s, req, fp, current);
    }
    const pending = s.inflight.get(fp);
    if (pending !== undefined) {
      const shared = await pending;
      // The first registration just showed a server with one app per login: this login gets its own.
      const now = shared.ok ? await readCurrent(s.scope, fp, req.host) : null;
      if (now === null || keepingOf(now.registration.software) !== "per-login") return shared;
      return this.#registerPerLogin(s, req, fp, now);
    }
    const attempt = this.#decide(s, req, fp, current, ask).finally(() => s.inflight.delete(fp));
    s.inflight.set(fp, attempt);
    return attempt;
  }

  async #decide(
    s: Scoped,
    req: RegistrationRequest,
    fp: string,
    current: Current | null,
    ask: Ask,
  ): Promise<RegistrarResult> {
    if (current === null) return this.#register(s, req, fp, null);
    const asked = ask.kind !== "any" && ask.clientId === current.registration.clientId;
    if (asked && ask.kind === "dead") {
      const replacedAt = (await this.ctx.storage.get<number>(doReplacedKey(fp))) ?? 0;
      if (replacedAt <= nowSeconds() - REPLACE_INTERVAL) return this.#register(s, req, fp, current);
      // Replaced just now, and called dead again: a server that forgets every new app must not make
      // each login register, but one that forgot its apps twice must not lock users out either. The
      // instance's own "unknown client" to a check (at most one per CHECK_INTERVAL) is the proof.
    }
    return this.#keep(s, req, fp, current, asked ? ask.kind : null);
  }

  /**
   * Serves the current registration, anchoring it (or checking it) first when that is due. A
   * `suspect` one (a login never came back, or the instance called it dead) is checked with the
   * instance, at most once per CHECK_INTERVAL, and replaced if the instance no longer knows it.
   */
  async #keep(
    s: Scoped,
    req: RegistrationRequest,
    fp: string,
    current: Current,
    suspect: Ask["kind"] | null,
  ) {
    const now = nowSeconds();
    if (suspect !== null) {
      let probed = (await this.ctx.storage.get<number>(doProbeKey(fp))) ?? 0;
      // Called dead again right after a replacement: any check counts, the new app's anchor too,
      // so a server that forgets every new app at once gets at most one registration a minute.
      if (suspect === "dead") probed = Math.max(probed, (await checkedAt(s.scope, fp)) ?? 0);
      if (probed > now - CHECK_INTERVAL) return s.kv.serve(req.host, fp, current);
      await this.ctx.storage.put(doProbeKey(fp), now);
      const status = await mintAnchor(s.scope, fp, current.registration);
      return status === "dead" ? this.#register(s, req, fp, current) : s.kv.serve(req.host, fp, current);
    }
    if ((await readAnchor(s.scope, fp, current.registration, now)) === null) {
      const checked = (await checkedAt(s.scope, fp)) ?? 0;
      if (checked <= now - CHECK_INTERVAL) {
        const status = await mintAnchor(s.scope, fp, current.registration);
        if (status === "dead") return this.#register(s, req, fp, current);
      }
    }
    return s.kv.serve(req.host, fp, current);
  }

  async #appToken(
    s: Scoped,
    req: RegistrationRequest,
    fp: string,
    rejected: string | null,
  ): Promise<RegistrarResult> {
    const base = await this.#run(s, req, { kind: "any" });
    if (!base.ok) return base;
    const current = await readCurrent(s.scope, fp, req.host);
    if (current === null) return unreadable();
    if (keepingOf(current.registration.software) === "per-login") {
      return {
        ok: false,
        code: "unsupported_instance",
        description: "This server gives app tokens the rights of a user; its public API is not proxied.",
      };
    }
    const now = nowSeconds();
    const anchor = await readAnchor(s.scope, fp, current.registration, now);
    const usable = anchor !== null && anchor.expiresAt > now;
    if (usable && (anchor.token !== rejected || anchor.mintedAt > now - APP_TOKEN_RENEW_INTERVAL)) {
      return { ok: true, sealed: (await sealedAnchor(s.scope, fp)) as string };
    }
    const checked = (await checkedAt(s.scope, fp)) ?? 0;
    if (!usable && anchor === null && checked > now - CHECK_INTERVAL) return noAppToken(req.host);
    return this.#renewAnchor(s, req, fp, current);
  }

  /** Mints a new anchor; a client the instance calls dead is registered again first. */
  async #renewAnchor(
    s: Scoped,
    req: RegistrationRequest,
    fp: string,
    current: Current,
  ): Promise<RegistrarResult> {
    const status = await mintAnchor(s.scope, fp, current.registration);
    if (status === "dead") {
      const replaced = await this.#register(s, req, fp, current);
      if (!replaced.ok) return replaced;
    }
    const sealed = await sealedAnchor(s.scope, fp);
    return sealed === undefined ? noAppToken(req.host) : { ok: true, sealed };
  }

  /** One app per login (src/registry/keeping.ts), within the client's share (per-login.ts). */
  async #registerPerLogin(
    s: Scoped,
    req: RegistrationRequest,
    fp: string,
    current: Current,
  ): Promise<RegistrarResult> {
    const reusable = reusesPerLoginApps(current.registration.software);
    const start = await startPerLogin(s.scope, req.client ?? "", reusable);
    if (start.kind === "refused") return start.result;
    if (start.kind === "reuse") return { ok: true, sealed: start.sealed };
    return this.#register(s, req, fp, current);
  }

  async #register(
    s: Scoped,
    req: RegistrationRequest,
    fp: string,
    previous: Current | null,
    reason?: Reason,
  ): Promise<RegistrarResult> {
    const config = configOf(s.scope);
    try {
      const registration = await createRegistration(config, req, previous?.registration);
      const sealed = await seal({ ...registration }, "app", await keyRingOf(s.scope), REGISTRATION_SEAL_TTL);
      const next = { registration, sealed };
      await storeCurrent(s.scope, fp, next, previous, config.sessionTtl);
      s.kv.forget(fp);
      await pruneClients(s.scope, nowSeconds());
      await noteRegistered(
        s.scope,
        fp,
        registration,
        previous,
        reason ?? registrationReason(registration, previous),
      );
      if (keepingOf(registration.software) === "per-login") {
        const reusable = reusesPerLoginApps(registration.software);
        await recordPerLogin(s.scope, registration.clientId, req.client ?? "", reusable);
        return { ok: true, sealed };
      }
      await mintAnchor(s.scope, fp, registration);
      return s.kv.serve(req.host, fp, next);
    } catch (error) {
      if (!isBffError(error)) throw error;
      return backOff(s.scope, fp, req.host, error);
    }
  }
}

/** Why a registration was made, when no operator asked for it. */
function registrationReason(registration: { software: string }, previous: Current | null): Reason {
  if (previous === null) return "new_instance";
  return keepingOf(registration.software) === "per-login" ? "per_login" : "dead_client";
}

function unreadable(): RegistrarResult {
  return { ok: false, code: "internal_error", description: "Registration unreadable." };
}

function noAppToken(host: string): RegistrarResult {
  return { ok: false, code: "token_exchange_failed", description: `${host} did not grant an app token.` };
}
