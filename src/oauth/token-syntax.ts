/** The syntax every code, token and client credential from an instance must have. */

/**
 * Visible ASCII without space, 1 to `maxLength` characters: the `code` and `access_token` syntax
 * (RFC 6749 Appendix A.11–A.12, VSCHAR) minus the space, which no server uses and which would
 * need quoting in URLs, form bodies and Authorization headers.
 */
export function isTokenSyntax(value: unknown, maxLength = 1024): value is string {
  return typeof value === "string" && value.length >= 1 && value.length <= maxLength && VISIBLE.test(value);
}

const VISIBLE = /^[\x21-\x7e]+$/;
