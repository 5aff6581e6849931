/**
 * workerd's output, as an operator reads it. When a fetch fails below JavaScript (DNS, a refused
 * connection), workerd prints two lines of its own — the cause, then a stack of binary addresses
 * ending in `wdErrId = <id>` — and the Worker only sees "internal error; reference = <id>". Those
 * two lines are held back, and the cause goes into fedi-bff's own JSON line that cites the same
 * reference: one line naming the host (fedi-bff's) and the cause (workerd's). A failure fedi-bff
 * handled without a log line (a discovery document it falls back from) stays silent, as fedi-bff
 * meant. Everything else passes through unchanged.
 */
import { createInterface } from "node:readline";
import type { Readable, Writable } from "node:stream";

const ERROR_LINE = /^workerd\/\S+: error: e = \S+: failed: (.+)$/;
const STACK_LINE = /^stack: .*; wdErrId = (\w+)$/;
const REFERENCE = /internal error; reference = (\w+)/;
/** The two streams are read apart: a stdout line citing a cause may arrive just before it. */
const WAIT_MS = 250;
const CAUSES_KEPT = 200;

export function relayWorkerdOutput(stdout: Readable, stderr: Readable, out: Writable, err: Writable): void {
  const causes = new Map<string, string>();
  const withCause = (line: string, id: string | undefined): string => {
    const cause = id === undefined ? undefined : causes.get(id);
    return cause === undefined ? line : line.replace(REFERENCE, JSON.stringify(cause).slice(1, -1));
  };
  let pending: string | null = null;
  createInterface({ input: stderr }).on("line", (line) => {
    const stack = STACK_LINE.exec(line);
    if (stack !== null && pending !== null) {
      if (causes.size >= CAUSES_KEPT) causes.delete(causes.keys().next().value as string);
      causes.set(stack[1] ?? "", ERROR_LINE.exec(pending)?.[1] ?? pending);
      pending = null;
      return;
    }
    if (pending !== null) err.write(`${pending}\n`);
    pending = null;
    if (ERROR_LINE.test(line)) pending = line;
    // fedi-bff's warnings (console.warn) come this way, after the cause they cite.
    else err.write(`${withCause(line, REFERENCE.exec(line)?.[1])}\n`);
  });
  // fedi-bff's other lines keep their order: one that waits for its cause holds back those after it.
  let queue = Promise.resolve();
  createInterface({ input: stdout }).on("line", (line) => {
    const id = REFERENCE.exec(line)?.[1];
    queue = queue.then(async () => {
      if (id !== undefined && !causes.has(id)) await new Promise((done) => setTimeout(done, WAIT_MS));
      out.write(`${withCause(line, id)}\n`);
    });
  });
}
