/**
 * The frontend folder's `_headers` file, in the subset of the Workers Static Assets format
 * (developers.cloudflare.com/workers/static-assets/headers/) that the self-hosted server applies:
 *
 *   # a comment
 *   /*                      a path pattern, from the first column: `*` matches anything,
 *     Name: value           `:name` one path segment; then indented header lines,
 *     ! Name                or `!` to remove a header an earlier rule (or the server) set.
 *
 * Not supported: rules for absolute URLs (`https://host/path`), reported as a problem rather than
 * ignored (the file often carries a CSP); placeholders in header values, which are sent as written.
 */
import type { HeaderRule } from "./front.ts";

/** RFC 9110 §5.1: a field name is a token. */
const FIELD_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** The rules of a `_headers` file, and every problem with it (`line N: …`). */
export function parseHeadersFile(text: string): { rules: HeaderRule[]; problems: string[] } {
  const rules: { path: string; set: [string, string][]; detach: string[] }[] = [];
  const problems: string[] = [];
  for (const [index, line] of text.split(/\r?\n/).entries()) {
    const at = `line ${index + 1}`;
    const trimmed = line.trim();
    if (trimmed === "" || trimmed.startsWith("#")) continue;
    if (!/^\s/.test(line)) {
      if (!trimmed.startsWith("/")) {
        problems.push(`${at}: "${trimmed}" is not a path starting with / (absolute URLs are not supported)`);
      }
      rules.push({ path: trimmed, set: [], detach: [] });
      continue;
    }
    const rule = rules.at(-1);
    if (rule === undefined) {
      problems.push(`${at}: a header line before any path`);
      continue;
    }
    if (trimmed.startsWith("!")) {
      const name = trimmed.slice(1).trim();
      if (FIELD_NAME.test(name)) rule.detach.push(name);
      else problems.push(`${at}: "${name}" is not a header name`);
      continue;
    }
    const colon = trimmed.indexOf(":");
    const name = colon < 0 ? trimmed : trimmed.slice(0, colon).trim();
    const value = colon < 0 ? "" : trimmed.slice(colon + 1).trim();
    if (colon < 0 || !FIELD_NAME.test(name)) {
      problems.push(`${at}: "${trimmed}" is not a "Name: value" header line`);
    } else {
      rule.set.push([name, value]);
    }
  }
  return { rules: problems.length === 0 ? rules : [], problems };
}
