/**
 * fedi-bff's errors as the browser client throws them. fedi-bff answers `{ error, error_description }`
 * with a code from one closed list (error-codes.ts, shared with the server); an error the instance
 * sent through the proxy (Mastodon's 422 `{ "error": "Validation failed: …" }`) has no such code.
 */
import { ERROR_CODES, type ErrorCode } from "../error-codes.ts";

const CODES: ReadonlySet<string> = new Set(ERROR_CODES);

/** True for one of fedi-bff's error codes. */
export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === "string" && CODES.has(value);
}

/** A failed answer: `code` is fedi-bff's code, or null when the answer carried none of them. */
export class FediBffError extends Error {
  override readonly name = "FediBffError";
  readonly code: ErrorCode | null;
  readonly status: number;
  /** The answer's parsed JSON body (null when it was not JSON). */
  readonly body: unknown;

  constructor(code: ErrorCode | null, status: number, message: string, body: unknown = null) {
    super(message);
    this.code = code;
    this.status = status;
    this.body = body;
  }
}

/** The error a non-2xx answer stands for; its body is read. */
export async function errorFrom(res: Response): Promise<FediBffError> {
  const body: unknown = await res.json().catch(() => null);
  const fields = (typeof body === "object" && body !== null ? body : {}) as Record<string, unknown>;
  const { error, error_description: description } = fields;
  const text = typeof description === "string" ? description : typeof error === "string" ? error : "";
  return new FediBffError(isErrorCode(error) ? error : null, res.status, text || `HTTP ${res.status}`, body);
}
