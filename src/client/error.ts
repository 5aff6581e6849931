/**
 * fedi-bff's errors as the browser client throws them. fedi-bff answers `{ error, error_description }`
 * with a code from one closed list (error-codes.ts, shared with the server) and marks each such
 * answer with the `Fedi-Bff-Error` header (`OWN_ERROR_HEADER`), which the proxy never lets through
 * from an instance.
 * An error the instance sent through the proxy (Mastodon's 422 `{ "error": "Validation failed: …" }`,
 * or a body that happens to spell one of fedi-bff's codes) has no code here.
 */
import { ERROR_CODES, type ErrorCode } from "../error-codes.ts";
import { OWN_ERROR_HEADER } from "./types.ts";

const CODES: ReadonlySet<string> = new Set(ERROR_CODES);
/** Codes after which the user must sign in (again) to go on. */
const SIGN_IN_CODES: ReadonlySet<ErrorCode> = new Set([
  "not_authenticated",
  "session_revoked",
  "reauth_required",
]);

/** True for one of fedi-bff's error codes. */
export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === "string" && CODES.has(value);
}

/** A failed answer: `code` is fedi-bff's code, or null when fedi-bff did not make the answer. */
export class FediBffError extends Error {
  override readonly name = "FediBffError";
  readonly code: ErrorCode | null;
  readonly status: number;
  /** The answer's parsed JSON body (null when it was not JSON). */
  readonly body: unknown;
  /** The session account the error is about (`<id>@<instance>`), when fedi-bff named one. */
  readonly account: string | null;

  constructor(
    code: ErrorCode | null,
    status: number,
    message: string,
    body: unknown = null,
    account: string | null = null,
  ) {
    super(message);
    this.code = code;
    this.status = status;
    this.body = body;
    this.account = account;
  }

  /**
   * True when the user must sign in to go on: nobody is signed in (`not_authenticated`), or the
   * account's sign-in ended on its instance (`session_revoked`, `reauth_required`; that account
   * has already left the session).
   */
  get signInRequired(): boolean {
    return this.code !== null && SIGN_IN_CODES.has(this.code);
  }
}

/** The error a non-2xx answer stands for; its body is read. */
export async function errorFrom(res: Response): Promise<FediBffError> {
  const body: unknown = await res.json().catch(() => null);
  const fields = (typeof body === "object" && body !== null ? body : {}) as Record<string, unknown>;
  const { error, error_description: description, account } = fields;
  const text = typeof description === "string" ? description : typeof error === "string" ? error : "";
  const own = res.headers.get(OWN_ERROR_HEADER) === "1";
  const code = own && isErrorCode(error) ? error : null;
  const named = own && typeof account === "string" ? account : null;
  return new FediBffError(code, res.status, text || `HTTP ${res.status}`, body, named);
}
