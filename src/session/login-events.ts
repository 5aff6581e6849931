/**
 * The login's events (events.ts), in the words of the login flow: started, completed, failed,
 * abandoned, and a logout. A login is joined from its start to its end by `login_id`, a digest
 * of its state: the start and the callback are two requests, and the state is the one thing
 * both see (the state itself is never written anywhere).
 */
import { type BffError, isBffError } from "../errors.ts";
import { emit, loginIdOf, outcomeOfCode, reasonOfCode } from "../events.ts";
import { parseInstance } from "../instance/host.ts";

/** What a login's events need of its transaction (auth/login/transaction.ts). */
interface LoginTransaction {
  readonly state: string;
  readonly host: string;
}

/** A login-cookie slot as the auth wing opens it (auth/login/slots.ts): pending ones have a transaction. */
type SlotLike =
  | { readonly kind: "pending"; readonly iat: number; readonly tx: LoginTransaction }
  | { readonly kind: "finished" }
  | null;

/** The server software of a registration ("" when nodeinfo did not say). */
interface Software {
  readonly software: string;
}

/** A login sent to its instance's authorize page. */
export async function loginStarted(request: Request, tx: LoginTransaction, registration: Software) {
  emit(request, {
    event: "login_started",
    loginId: await loginIdOf(tx.state),
    instance: tx.host,
    software: registration.software || null,
    outcome: "ok",
  });
}

/** A login that ended in a session; returns `response`, so the caller's return stays one line. */
export async function loginCompleted(
  request: Request,
  tx: LoginTransaction,
  registration: Software,
  response: Response,
): Promise<Response> {
  emit(request, {
    event: "login_completed",
    loginId: await loginIdOf(tx.state),
    instance: tx.host,
    software: registration.software || null,
    outcome: "ok",
  });
  return response;
}

/** A login that ended without a session: at its start (`tx` null) or at its callback. */
export async function loginFailed(request: Request, tx: LoginTransaction | null, error: unknown) {
  const code = isBffError(error) ? error.code : "internal_error";
  emit(request, {
    event: "login_failed",
    ...(tx === null || tx.state === "" ? {} : { loginId: await loginIdOf(tx.state) }),
    instance: tx?.host ?? null,
    outcome: outcomeOfCode(code),
    error: code,
    reason: reasonOfCode(code),
  });
}

/**
 * A login start that failed (its route's error): the instance it named, when the query names a
 * valid host (a handle or a form body is not read again: no instance then).
 */
export function loginStartFailed(request: Request, error: unknown): Promise<void> {
  let instance: string | null = null;
  try {
    const named = new URL(request.url).searchParams.get("instance");
    if (named !== null && !named.includes("@")) instance = parseInstance(named, NO_INSECURE_HOSTS).host;
  } catch {
    // Not a valid host: the event names no instance.
  }
  return loginFailed(request, instance === null ? null : { state: "", host: instance }, error);
}

const NO_INSECURE_HOSTS = { insecureHosts: new Set<string>() };

/** A callback that matched no login of this browser (`error` is what the browser was told). */
export function callbackUnmatched(request: Request, error: BffError): void {
  emit(request, {
    event: "login_failed",
    instance: null,
    outcome: "refused",
    error: error.code,
    reason: error.code === "access_denied" ? "user_denied" : "no_matching_login",
  });
}

/**
 * A new login to `host` while this browser has one pending there that never came back: the user
 * gave up on that one (closed the instance's page, or it showed an error). Only the newest pending
 * one is reported, so retrying three times reports each abandoned login once.
 */
export async function noteAbandonedLogin(
  request: Request,
  slots: readonly SlotLike[],
  host: string,
): Promise<void> {
  let newest: { iat: number; tx: LoginTransaction } | null = null;
  for (const slot of slots) {
    if (slot?.kind !== "pending" || slot.tx.host !== host) continue;
    if (newest === null || slot.iat > newest.iat) newest = { iat: slot.iat, tx: slot.tx };
  }
  if (newest === null) return;
  emit(request, {
    event: "login_abandoned",
    loginId: await loginIdOf(newest.tx.state),
    instance: host,
    outcome: "refused",
    reason: "login_replaced",
  });
}

/** An account signed out. */
export function loggedOut(request: Request, instance: string): void {
  emit(request, { event: "logout", instance, outcome: "ok" });
}
