/**
 * The Durable Object that is the single writer of one instance host's app registrations
 * (`idFromName(host)`). KV is eventually consistent and caches misses for ~60 s, so
 * "read KV → miss → register" would register again and again; here concurrent callers share one
 * registration attempt, the result is stored durably, and failures back off (429 → Retry-After).
 * Results cross the RPC boundary as plain data; the registration itself stays sealed.
 */
import { DurableObject } from "cloudflare:workers";
import { type Config, loadConfig } from "../config.ts";
import type { Env } from "../env.ts";
import { type ErrorCode, isBffError } from "../errors.ts";
import { type UpstreamContext, userAgent } from "../http/upstream.ts";
import { probeClient, requestAppToken } from "../oauth/client-credentials.ts";
import { getKeyRing } from "../session/keys.ts";
import { nowSeconds, open, seal } from "../session/seal.ts";
import { discoverInstance } from "./discovery.ts";
import {
  appKvKey,
  doAppTokenKey,
  doBackoffKey,
  doClientKey,
  doCurrentKey,
  doProbeKey,
  registrationFingerprint,
} from "./keys.ts";
import { registerApp } from "./register.ts";
import {
  decodeRegistration,
  REGISTRATION_TTL,
  type Registration,
  type RegistrationRequest,
} from "./registration.ts";

export type RegistrarResult =
  | { readonly ok: true; readonly sealed: string }
  | {
      readonly ok: false;
      readonly code: ErrorCode;
      readonly description: string;
      readonly retryAfter?: number;
    };

interface Backoff {
  until: number;
  code: ErrorCode;
  description: string;
}

/** At most one check with the instance per registration in this time (seconds). */
const PROBE_INTERVAL = 600;

/** How long a failure blocks new attempts, by kind (429 uses the instance's Retry-After). */
const BACKOFF_SECONDS: Partial<Record<ErrorCode, number>> = {
  instance_unreachable: 60,
  instance_timeout: 60,
  registration_failed: 300,
  unsupported_instance: 3600,
};

export class Registrar extends DurableObject<Env> {
  readonly #inflight = new Map<string, Promise<RegistrarResult>>();
  readonly #tokenInflight = new Map<string, Promise<RegistrarResult>>();
  /** When each fingerprint was last copied to KV: KV allows one write per second per key. */
  readonly #publishedAt = new Map<string, number>();

  /** The current registration for this request, registering once if there is none. */
  async ensure(req: RegistrationRequest): Promise<RegistrarResult> {
    return this.#current(req, null);
  }

  /** Replaces a registration the instance called dead (`invalid_client`), once for all callers. */
  async replace(req: RegistrationRequest, deadClientId: string): Promise<RegistrarResult> {
    return this.#current(req, deadClientId);
  }

  /**
   * The current registration, after checking with the instance that `clientId` — which a login
   * that never came back used — still exists; replaced if the instance no longer knows it. At
   * most one check per PROBE_INTERVAL, so retries cannot make the BFF hammer an instance.
   */
  async verify(req: RegistrationRequest, clientId: string): Promise<RegistrarResult> {
    const fp = await registrationFingerprint(req);
    const sealed = await this.ctx.storage.get<string>(doCurrentKey(fp));
    const current = sealed === undefined ? null : await this.#open(sealed, req.host);
    if (current === null || current.clientId !== clientId) return this.#current(req, null);
    const now = nowSeconds();
    const checked = (await this.ctx.storage.get<number>(doProbeKey(fp))) ?? 0;
    if (checked > now - PROBE_INTERVAL) return this.#current(req, null);
    await this.ctx.storage.put(doProbeKey(fp), now);
    const status = await probeClient(upstreamContext(loadConfig(this.env)), current);
    console.info(JSON.stringify({ context: "registrar", host: req.host, probe: status }));
    return this.#current(req, status === "dead" ? clientId : null);
  }

  /**
   * A sealed app token (client_credentials) for the current registration, renewed when expired
   * or when the caller reports that the instance rejected `rejected`. One request at a time.
   */
  async appToken(req: RegistrationRequest, rejected: string | null): Promise<RegistrarResult> {
    const fp = await registrationFingerprint(req);
    const pending = this.#tokenInflight.get(fp);
    if (pending !== undefined) return pending;
    const attempt = this.#appToken(req, fp, rejected).finally(() => this.#tokenInflight.delete(fp));
    this.#tokenInflight.set(fp, attempt);
    return attempt;
  }

  async #appToken(req: RegistrationRequest, fp: string, rejected: string | null): Promise<RegistrarResult> {
    const ring = await getKeyRing(loadConfig(this.env).sessionKeys);
    const stored = await this.ctx.storage.get<string>(doAppTokenKey(fp));
    const opened = stored === undefined ? null : await open(stored, "app", ring);
    if (stored !== undefined && opened !== null && opened.token !== rejected)
      return { ok: true, sealed: stored };
    const current = await this.#current(req, null);
    if (!current.ok) return current;
    const registration = await this.#open(current.sealed, req.host);
    if (registration === null)
      return { ok: false, code: "internal_error", description: "Registration unreadable." };
    const config = loadConfig(this.env);
    try {
      const token = await requestAppToken(upstreamContext(config), registration, nowSeconds());
      const sealed = await seal({ ...token }, "app", ring, Math.max(60, token.expiresAt - nowSeconds()));
      await this.ctx.storage.put(doAppTokenKey(fp), sealed);
      return { ok: true, sealed };
    } catch (error) {
      if (!isBffError(error)) throw error;
      return { ok: false, code: error.code, description: error.message };
    }
  }

  /** Any registration of this host by client_id, including replaced ones (sealed), or null. */
  async byClientId(clientId: string): Promise<string | null> {
    return (await this.ctx.storage.get<string>(doClientKey(clientId))) ?? null;
  }

  async #current(req: RegistrationRequest, deadClientId: string | null): Promise<RegistrarResult> {
    const fp = await registrationFingerprint(req);
    const pending = this.#inflight.get(fp);
    if (pending !== undefined) return pending;
    const backoff = await this.ctx.storage.get<Backoff>(doBackoffKey(fp));
    const now = nowSeconds();
    if (backoff !== undefined && backoff.until > now) {
      return {
        ok: false,
        code: backoff.code,
        description: backoff.description,
        retryAfter: backoff.until - now,
      };
    }
    const sealed = await this.ctx.storage.get<string>(doCurrentKey(fp));
    const current = sealed === undefined ? null : await this.#open(sealed, req.host);
    if (current !== null && current.clientId !== deadClientId && current.createdAt + REGISTRATION_TTL > now) {
      await this.#publish(req.host, fp, sealed as string, current);
      return { ok: true, sealed: sealed as string };
    }
    const attempt = this.#register(req, fp).finally(() => this.#inflight.delete(fp));
    this.#inflight.set(fp, attempt);
    return attempt;
  }

  async #register(req: RegistrationRequest, fp: string): Promise<RegistrarResult> {
    const config = loadConfig(this.env);
    try {
      const registration = await createRegistration(config, req);
      const ring = await getKeyRing(config.sessionKeys);
      // Kept as long as a session made with it may still want to revoke its token.
      const sealed = await seal({ ...registration }, "app", ring, REGISTRATION_TTL + config.sessionTtl);
      await this.ctx.storage.put({
        [doCurrentKey(fp)]: sealed,
        [doClientKey(registration.clientId)]: sealed,
      });
      await this.ctx.storage.delete(doBackoffKey(fp));
      this.#publishedAt.delete(fp);
      await this.#publish(req.host, fp, sealed, registration);
      return { ok: true, sealed };
    } catch (error) {
      if (!isBffError(error)) throw error;
      console.warn(
        JSON.stringify({ context: "registrar", host: req.host, error: error.code, internal: error.internal }),
      );
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

  async #open(sealed: string, host: string): Promise<Registration | null> {
    const ring = await getKeyRing(loadConfig(this.env).sessionKeys);
    const payload = await open(sealed, "app", ring);
    const registration = payload === null ? null : decodeRegistration(payload);
    return registration?.host === host ? registration : null;
  }

  /** Copies the registration to KV for one-read logins; a failed cache write never fails a login. */
  async #publish(host: string, fp: string, sealed: string, registration: Registration): Promise<void> {
    const now = nowSeconds();
    if ((this.#publishedAt.get(fp) ?? 0) > now - 60) return;
    this.#publishedAt.set(fp, now);
    const ttl = Math.max(60, registration.createdAt + REGISTRATION_TTL - nowSeconds());
    try {
      await this.env.APPS.put(appKvKey(host, fp), sealed, { expirationTtl: ttl });
    } catch (error) {
      console.warn(
        JSON.stringify({ context: "registrar", host, warning: "KV write failed", detail: String(error) }),
      );
    }
  }
}

function upstreamContext(config: Config): UpstreamContext {
  return {
    fetch: (input, init) => fetch(input, init),
    userAgent: userAgent(config.publicUrl),
    timeoutMs: config.upstreamTimeoutMs,
  };
}

async function createRegistration(config: Config, req: RegistrationRequest): Promise<Registration> {
  const ctx = upstreamContext(config);
  const info = await discoverInstance(ctx, req.origin, { insecureHosts: config.insecureHosts });
  const credentials = await registerApp(ctx, {
    endpoint: info.endpoints.register,
    host: req.host,
    redirectUri: req.redirectUri,
    scopes: req.scopes,
    appName: config.appName,
    appWebsite: config.appWebsite,
  });
  return { ...req, ...credentials, ...info, createdAt: nowSeconds() };
}
