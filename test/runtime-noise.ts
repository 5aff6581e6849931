/**
 * Quiet when green, for output vitest does not own: workerd's own lines about connections that
 * tests drop on purpose (a fake instance that resets, a body cut short), the Node warning the fake
 * instance's server gives under such faults, and undici's note on the non-ASCII cookie names of
 * the hostile cookie suite. Each such line is expected and asserted on by its test; they are
 * counted and one line says how many were held back. FEDI_BFF_TEST_NOISE=1 shows them all.
 */

/** Lines that tests cause on purpose, by the start (or the whole) of their text. */
const EXPECTED = [
  /^uncaught exception; (source = Uncaught \(in promise\); stack = Error: Network connection lost\.|exception = workerd\/jsg\/value\.h:\d+: disconnected: jsg\.Error: Network connection lost\.)/,
  /^uncaught exception; exception = workerd\/api\/streams\/identity-transform-stream\.c\+\+:\d+: failed: jsg\.TypeError: (Attempt to write too many bytes through|FixedLengthStream did not see all expected bytes)/,
  /^exception = rust\/worker\/ffi\.rs:\d+: disconnected: client error \(SendRequest\)/,
  /^stack: \S*workerd@/,
  /^\(node:\d+\) MaxListenersExceededWarning: /,
  /^\(Use `node --trace-warnings \.\.\.` to show where the warning was created\)/,
  /^A header value for "cookie" contains non-ASCII characters: /,
];

/** Filters process.stdout/stderr for the rest of the process; the returned function reports the count. */
export function holdBackRuntimeNoise(): () => void {
  if (process.env.FEDI_BFF_TEST_NOISE === "1") return () => {};
  let held = 0;
  const wrap = (stream: NodeJS.WriteStream) => {
    const write = stream.write.bind(stream);
    stream.write = ((chunk: unknown, ...rest: unknown[]) => {
      const text = typeof chunk === "string" ? chunk : Buffer.isBuffer(chunk) ? chunk.toString() : null;
      if (text === null) return (write as (c: unknown, ...r: unknown[]) => boolean)(chunk, ...rest);
      const plain = text.replace(/\u001b\[[0-9;]*m/g, "");
      const lines = plain.split("\n");
      const kept = lines.filter((line) => !EXPECTED.some((pattern) => pattern.test(line)));
      held += lines.length - kept.length;
      if (kept.length === lines.length)
        return (write as (c: unknown, ...r: unknown[]) => boolean)(chunk, ...rest);
      const rest0 = kept.join("\n");
      return rest0.trim() === "" ? true : (write as (c: unknown, ...r: unknown[]) => boolean)(rest0, ...rest);
    }) as typeof stream.write;
  };
  wrap(process.stdout);
  wrap(process.stderr);
  // Reports the count at the run's end and goes on filtering: workerd may still print a dropped
  // connection while it shuts down, after the last test.
  return () => {
    if (held > 0) {
      process.stdout.write(
        `(${held} lines of expected runtime output held back; FEDI_BFF_TEST_NOISE=1 shows them)\n`,
      );
    }
  };
}
