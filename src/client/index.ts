/**
 * `fedi-bff/client`: fedi-bff from the browser, typed, without dependencies.
 *
 *     import { createClient, FediBffError } from "fedi-bff/client";
 *     const bff = createClient();                       // fedi-bff on this page's origin
 *     const me = await bff.session();                   // null when signed out
 *     if (me === null) await bff.login({ handle: "@alice@example.org" });
 *     const { items, next } = await bff.page("/api/v1/timelines/home");
 */

export { ERROR_CODES, type ErrorCode } from "../error-codes.ts";
export {
  type ApiInit,
  type BrowserRequestInit,
  type ClientOptions,
  createClient,
  type FediBffClient,
  type LoginOptions,
  type LoginResult,
  type LoginTarget,
  loginResult,
  type Page,
} from "./client.ts";
export { FediBffError, isErrorCode } from "./error.ts";
export { type PageLinks, parseLinks } from "./links.ts";
export type { Account, AuthWarning, LogoutResult, RevokeSummary, Session, SessionAccount } from "./types.ts";
