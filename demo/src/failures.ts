/** How the demo shows a failure: our message for fedi-bff's code, in the view it belongs to. */
import { FediBffError } from "../../src/client/index.ts";
import { say, showLogin } from "./dom.ts";
import { ERROR_MESSAGES } from "./messages.ts";

/** An error shown to a person: its code (for `data-code`) and a message. */
export interface Shown {
  readonly code: string;
  readonly text: string;
}

/**
 * fedi-bff's own errors get our message for their code. An error the instance sent through the
 * proxy (e.g. 422 "Validation failed: …") has no code: its own text is shown (as text, never HTML).
 */
export function describe(error: unknown): Shown {
  if (error instanceof FediBffError) {
    return { code: error.code ?? "", text: (error.code && ERROR_MESSAGES[error.code]) || error.message };
  }
  return { code: "", text: `Could not reach fedi-bff: ${error instanceof Error ? error.message : error}` };
}

/** A failed API call: 401 means the session is gone (expired, revoked), so back to the login form. */
export function report(error: unknown): void {
  const { code, text } = describe(error);
  if (error instanceof FediBffError && error.status === 401) {
    say("login-error", text, code);
    showLogin();
  } else say("app-error", text, code);
}
