/**
 * The Durable Object that is the single writer of one instance host's app registrations
 * (`idFromName(host)`). KV is eventually consistent and caches misses for ~60 s, so
 * "read KV → miss → register" would register again and again; here concurrent callers share one
 * registration attempt, the result is stored durably, and failures back off (429 → Retry-After).
 * It also keeps each registration alive and decides, before a login uses one, whether it can
 * still be alive on that server (src/registry/keeping.ts). Results cross the RPC boundary as
 * plain data; registrations and app tokens stay sealed.
 */
import { DurableObject } from "cloudflare:workers";
import { type Config, loadConfig } from "../config/config.ts";
import type { Env } from "../config/env.ts";
import { getKeyRing } from "../crypto/key-ring.ts";
import { nowSeconds, open, seal } from "../crypto/seal.ts";
import { type ErrorCode, isBffError } from "../errors.ts";
import { type UpstreamContext, userAgent } from "../http/upstream.ts";
import { discoverInstance, type InstanceInfo } from "../instance/discovery.ts";
import { log } from "../log.ts";
import { grantAppToken } from "../oauth/client-credentials.ts";
import { registerApp } from "../oauth/register.ts";
import { decodeRegistration, type Registration, type RegistrationRequest } from "../oauth/registration.ts";
import { revokeToken } from "../oauth/revoke.ts";
import {
  APP_TOKEN_RENEW_INTERVAL,
  CHECK_INTERVAL,
  DISCOVERY_REUSE,
  KV_TRUST,
  keepingOf,
  PER_LOGIN_LIMIT,
  REGISTRATION_SEAL_TTL,
  REPLACE_INTERVAL,
} from "./keeping.ts";
import type { RegistrarResult, RegistrarRpc } from "./rpc.ts";
import {
  appKvKey,
  DO_CLIENT_PREFIX,
  doAppTokenKey,
  doBackoffKey,
  doCheckedKey,
  doClientKey,
  doCurrentKey,
  doFreshKey,
  doLegacyClientKey,
  doProbeKey,
  doReplacedKey,
  registrationFingerprint,
} from "./storage-keys.ts";

/** What a caller knows of the registration it asks about. */
type Ask =
  | { readonly kind: "any" }
  /** The instance answered `invalid_client` for this client. */
  | { readonly kind: "dead"; readonly clientId: string }
  /** A login with this client never came back: check it with the instance first. */
  | { readonly kind: "suspect"; readonly clientId: string };

interface Backoff {
  until: number;
  code: ErrorCode;
  description: string;
}

/** A registration by client_id, kept until `until` so sessions made with it can revoke their token. */
interface StoredClient {
  readonly sealed: string;
  readonly until: number;
}

/** The app token that anchors a registration (and serves the public proxy). */
interface Anchor {
  readonly token: string;
  readonly expiresAt: number;
  readonly clientId: string;
  readonly mintedAt: number;
}

interface Current {
  readonly registration: Registration;
  readonly sealed: string;
}

/** How long a failure blocks new attempts, by kind (429 uses the instance's Retry-After). */
const BACKOFF_SECONDS: Partial<Record<ErrorCode, number>> = {
  instance_unreachable: 60,
  instance_timeout: 60,
  registration_failed: 300,
  unsupported_instance: 3600,
};

/** An anchor stays readable this long after its renewal date, so it can be revoked once replaced. */
const ANCHOR_GRACE = 7 * 86_400;
/** A login takes at most this long (the login cookie's lifetime) before its session begins. */
const LOGIN_WINDOW = 3600;

export class Registrar extends DurableObject<Env> implements RegistrarRpc {
  readonly #inflight = new Map<string, Promise<RegistrarResult>>();
  readonly #tokenInflight = new Map<string, Promise<RegistrarResult>>();
  /** When each fingerprint was last copied to KV: KV allows one write per second per key. */
  readonly #publishedAt = new Map<string, number>();

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

  /** Any registration of this host by client_id, including replaced ones (sealed), or null. */
  async byClientId(clientId: string): Promise<string | null> {
    const stored = await this.ctx.storage.get<StoredClient>(doClientKey(clientId));
    if (stored !== undefined) return stored.until > nowSeconds() ? stored.sealed : null;
    return (await this.ctx.storage.get<string>(doLegacyClientKey(clientId))) ?? null;
  }

  async #run(req: RegistrationRequest, ask: Ask): Promise<RegistrarResult> {
    const fp = await registrationFingerprint(req);
    const blocked = await this.#backoff(fp);
    if (blocked !== null) return blocked;
    const current = await this.#current(fp, req.host);
    // One app per login: never shared, so never single-flighted either.
    if (current !== null && keepingOf(current.registration.software) === "per-login") {
      return this.#registerPerLogin(req, fp, current);
    }
    const pending = this.#inflight.get(fp);
    if (pending !== undefined) {
      const shared = await pending;
      // The first registration just showed a server with one app per login: this login gets its own.
      const now = shared.ok ? await this.#current(fp, req.host) : null;
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
      // A server that forgets every new app at once must not make each login register again.
      if (replacedAt <= nowSeconds() - REPLACE_INTERVAL) return this.#register(req, fp, current);
    }
    return this.#keep(req, fp, current, asked && ask.kind === "suspect");
  }

  /** Serves the current registration, anchoring it (or checking it) first when that is due. */
  async #keep(req: RegistrationRequest, fp: string, current: Current, suspect: boolean) {
    const now = nowSeconds();
    if (suspect) {
      const probed = (await this.ctx.storage.get<number>(doProbeKey(fp))) ?? 0;
      if (probed > now - CHECK_INTERVAL) return this.#serve(req.host, fp, current);
      await this.ctx.storage.put(doProbeKey(fp), now);
      const status = await this.#mintAnchor(fp, current.registration);
      return status === "dead" ? this.#register(req, fp, current) : this.#serve(req.host, fp, current);
    }
    if ((await this.#anchor(fp, current.registration, now)) === null) {
      const checked = (await this.ctx.storage.get<number>(doCheckedKey(fp))) ?? 0;
      if (checked <= now - CHECK_INTERVAL) {
        const status = await this.#mintAnchor(fp, current.registration);
        if (status === "dead") return this.#register(req, fp, current);
      }
    }
    return this.#serve(req.host, fp, current);
  }

  async #appToken(req: RegistrationRequest, fp: string, rejected: string | null): Promise<RegistrarResult> {
    const base = await this.#run(req, { kind: "any" });
    if (!base.ok) return base;
    const current = await this.#current(fp, req.host);
    if (current === null) return unreadable();
    if (keepingOf(current.registration.software) === "per-login") {
      return {
        ok: false,
        code: "unsupported_instance",
        description: "This server gives app tokens the rights of a user; its public API is not proxied.",
      };
    }
    const now = nowSeconds();
    const anchor = await this.#anchor(fp, current.registration, now);
    const usable = anchor !== null && anchor.expiresAt > now;
    if (usable && (anchor.token !== rejected || anchor.mintedAt > now - APP_TOKEN_RENEW_INTERVAL)) {
      return { ok: true, sealed: (await this.ctx.storage.get<string>(doAppTokenKey(fp))) as string };
    }
    const checked = (await this.ctx.storage.get<number>(doCheckedKey(fp))) ?? 0;
    if (!usable && anchor === null && checked > now - CHECK_INTERVAL) return noAppToken(req.host);
    const status = await this.#mintAnchor(fp, current.registration);
    if (status === "dead") {
      const replaced = await this.#register(req, fp, current);
      if (!replaced.ok) return replaced;
    }
    const sealed = await this.ctx.storage.get<string>(doAppTokenKey(fp));
    return sealed === undefined ? noAppToken(req.host) : { ok: true, sealed };
  }

  /**
   * Asks the instance for an app token for `registration`: the answer says whether the client is
   * alive, and the token becomes its anchor. The anchor it replaces is revoked (on these servers a
   * revoke deletes only the token, and the new one keeps the app).
   */
  async #mintAnchor(fp: string, registration: Registration): Promise<"alive" | "dead" | "unknown"> {
    const now = nowSeconds();
    await this.ctx.storage.put(doCheckedKey(fp), now);
    const ctx = upstreamContext(loadConfig(this.env));
    const grant = await grantAppToken(ctx, registration, now);
    const detail = grant.status === "unknown" ? grant.detail.slice(0, 200) : undefined;
    log("info", "client_checked", { host: registration.host, status: grant.status, internal: detail });
    if (grant.status !== "alive") return grant.status;
    const previous = await this.#anchor(fp, registration, now - ANCHOR_GRACE);
    const anchor: Anchor = { ...grant.token, clientId: registration.clientId, mintedAt: now };
    const ttl = Math.max(60, anchor.expiresAt - now) + ANCHOR_GRACE;
    await this.ctx.storage.put(doAppTokenKey(fp), await seal({ ...anchor }, "app", await this.#ring(), ttl));
    if (previous !== null && previous.token !== anchor.token) {
      this.ctx.waitUntil(revokeToken(ctx, registration, previous.token));
    }
    return "alive";
  }

  /** The anchor of `registration`, if one is stored whose renewal date is after `notBefore`. */
  async #anchor(fp: string, registration: Registration, notBefore: number): Promise<Anchor | null> {
    const sealed = await this.ctx.storage.get<string>(doAppTokenKey(fp));
    if (sealed === undefined) return null;
    const payload = await open(sealed, "app", await this.#ring());
    if (payload === null) return null;
    const { token, expiresAt, clientId, mintedAt } = payload;
    if (typeof token !== "string" || typeof expiresAt !== "number" || typeof mintedAt !== "number")
      return null;
    if (clientId !== registration.clientId || expiresAt <= notBefore) return null;
    return { token, expiresAt, clientId, mintedAt };
  }

  /** One registration per login (src/registry/keeping.ts), at most PER_LOGIN_LIMIT per window. */
  async #registerPerLogin(req: RegistrationRequest, fp: string, current: Current): Promise<RegistrarResult> {
    const now = nowSeconds();
    const window = await this.#freshWindow(fp, now);
    if (window.count >= PER_LOGIN_LIMIT.count) {
      return {
        ok: false,
        code: "registration_rate_limited",
        description: "Too many logins to this instance just now; try again later.",
        retryAfter: window.start + PER_LOGIN_LIMIT.windowSeconds - now,
      };
    }
    // Counted before the request, so concurrent logins cannot all pass the check at once.
    await this.ctx.storage.put(doFreshKey(fp), { ...window, count: window.count + 1 });
    return this.#register(req, fp, current);
  }

  /** New per-login registrations in the current window (a new window once the last one ended). */
  async #freshWindow(fp: string, now: number): Promise<{ start: number; count: number }> {
    const window = await this.ctx.storage.get<{ start: number; count: number }>(doFreshKey(fp));
    return window !== undefined && window.start > now - PER_LOGIN_LIMIT.windowSeconds
      ? window
      : { start: now, count: 0 };
  }

  async #register(req: RegistrationRequest, fp: string, previous: Current | null): Promise<RegistrarResult> {
    const config = loadConfig(this.env);
    try {
      const registration = await createRegistration(config, req, reusableInfo(previous?.registration));
      const sealed = await seal({ ...registration }, "app", await this.#ring(), REGISTRATION_SEAL_TTL);
      await this.#store(fp, { registration, sealed }, previous, config.sessionTtl);
      if (keepingOf(registration.software) === "per-login") {
        // The first registration learns the software: it counts towards the window too.
        if (previous === null || keepingOf(previous.registration.software) !== "per-login") {
          const window = await this.#freshWindow(fp, nowSeconds());
          await this.ctx.storage.put(doFreshKey(fp), { ...window, count: window.count + 1 });
        }
        return { ok: true, sealed };
      }
      await this.#mintAnchor(fp, registration);
      return this.#serve(req.host, fp, { registration, sealed });
    } catch (error) {
      if (!isBffError(error)) throw error;
      log("warn", "registration_failed", { host: req.host, error: error.code, internal: error.internal });
      const retryAfter = Number(error.headers["retry-after"] ?? BACKOFF_SECONDS[error.code] ?? 60);
      const backoff: Backoff = {
        until: nowSeconds() + retryAfter,
        code: error.code,
        description: error.message,
      };
      await this.ctx.storage.put(doBackoffKey(fp), backoff);
      return { ok: false, code: error.code, description: error.message, retryAfter };
    }
  }

  /** Makes `next` current; the registration it replaces stays findable while its sessions may revoke. */
  async #store(fp: string, next: Current, previous: Current | null, sessionTtl: number): Promise<void> {
    const now = nowSeconds();
    const perLogin = keepingOf(next.registration.software) === "per-login";
    // A per-login app serves one login and then its session; a shared one until it is replaced.
    const until = perLogin ? now + LOGIN_WINDOW + sessionTtl : now + REGISTRATION_SEAL_TTL;
    const entries: Record<string, unknown> = {
      [doCurrentKey(fp)]: next.sealed,
      [doClientKey(next.registration.clientId)]: { sealed: next.sealed, until } satisfies StoredClient,
    };
    if (previous !== null && !perLogin) {
      const retired: StoredClient = { sealed: previous.sealed, until: now + sessionTtl };
      entries[doClientKey(previous.registration.clientId)] = retired;
      entries[doReplacedKey(fp)] = now;
    }
    await this.ctx.storage.put(entries);
    await this.ctx.storage.delete([doBackoffKey(fp), doAppTokenKey(fp), doCheckedKey(fp)]);
    this.#publishedAt.delete(fp);
    await this.#prune(now);
  }

  /** Drops client records no session can use any more, so they stay bounded. */
  async #prune(now: number): Promise<void> {
    const records = await this.ctx.storage.list<StoredClient>({ prefix: DO_CLIENT_PREFIX, limit: 1000 });
    const expired = [...records].filter(([, v]) => v.until <= now).map(([k]) => k);
    for (let i = 0; i < expired.length; i += 128) await this.ctx.storage.delete(expired.slice(i, i + 128));
  }

  async #serve(host: string, fp: string, current: Current): Promise<RegistrarResult> {
    const now = nowSeconds();
    const anchored = (await this.#anchor(fp, current.registration, now)) !== null;
    const checked = (await this.ctx.storage.get<number>(doCheckedKey(fp))) ?? now;
    // Anchored: nothing automatic deletes it. Otherwise the next login after the interval asks again.
    const trustUntil = anchored ? now + KV_TRUST : checked + CHECK_INTERVAL;
    await this.#publish(host, fp, current.sealed, trustUntil);
    return { ok: true, sealed: current.sealed };
  }

  async #backoff(fp: string): Promise<RegistrarResult | null> {
    const backoff = await this.ctx.storage.get<Backoff>(doBackoffKey(fp));
    const now = nowSeconds();
    if (backoff === undefined || backoff.until <= now) return null;
    return {
      ok: false,
      code: backoff.code,
      description: backoff.description,
      retryAfter: backoff.until - now,
    };
  }

  async #current(fp: string, host: string): Promise<Current | null> {
    const sealed = await this.ctx.storage.get<string>(doCurrentKey(fp));
    if (sealed === undefined) return null;
    const payload = await open(sealed, "app", await this.#ring());
    const registration = payload === null ? null : decodeRegistration(payload);
    return registration?.host === host ? { registration, sealed } : null;
  }

  #ring() {
    return getKeyRing(loadConfig(this.env).sessionKeys);
  }

  /** Copies the registration to KV for one-read logins; a failed cache write never fails a login. */
  async #publish(host: string, fp: string, sealed: string, trustUntil: number): Promise<void> {
    const now = nowSeconds();
    if ((this.#publishedAt.get(fp) ?? 0) > now - 60 || trustUntil <= now) return;
    this.#publishedAt.set(fp, now);
    try {
      const value = JSON.stringify({ sealed, trustUntil });
      await this.env.APPS.put(appKvKey(host, fp), value, { expirationTtl: Math.max(60, trustUntil - now) });
    } catch (error) {
      log("warn", "kv_write_failed", { host, internal: String(error) });
    }
  }
}

function unreadable(): RegistrarResult {
  return { ok: false, code: "internal_error", description: "Registration unreadable." };
}

function noAppToken(host: string): RegistrarResult {
  return { ok: false, code: "token_exchange_failed", description: `${host} did not grant an app token.` };
}

function upstreamContext(config: Config): UpstreamContext {
  return {
    fetch: (input, init) => fetch(input, init),
    userAgent: userAgent(config.publicUrl),
    timeoutMs: config.upstreamTimeoutMs,
  };
}

/** What a recent registration already discovered, so a new one need not ask again. */
function reusableInfo(previous: Registration | undefined): (InstanceInfo & { discoveredAt: number }) | null {
  if (previous === undefined) return null;
  const discoveredAt = previous.discoveredAt ?? previous.createdAt;
  if (discoveredAt <= nowSeconds() - DISCOVERY_REUSE) return null;
  const { endpoints, issuer, software, forceLogin, streaming } = previous;
  return {
    endpoints,
    ...(issuer === undefined ? {} : { issuer }),
    software,
    forceLogin,
    streaming,
    discoveredAt,
  };
}

async function createRegistration(
  config: Config,
  req: RegistrationRequest,
  known: (InstanceInfo & { discoveredAt: number }) | null,
): Promise<Registration> {
  const ctx = upstreamContext(config);
  const now = nowSeconds();
  const info = known ?? {
    ...(await discoverInstance(ctx, req.origin, {
      insecureHosts: config.insecureHosts,
      allow: config.allowlist,
      deny: config.denylist,
    })),
    discoveredAt: now,
  };
  const credentials = await registerApp(ctx, {
    endpoint: info.endpoints.register,
    host: req.host,
    redirectUri: req.redirectUri,
    scopes: req.scopes,
    appName: config.appName,
    appWebsite: config.appWebsite,
  });
  return { ...req, ...credentials, ...info, createdAt: now };
}
