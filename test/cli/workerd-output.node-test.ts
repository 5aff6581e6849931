/** The self-hosted server's relay of workerd's output (selfhost/workerd-output.ts). */
import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import { it } from "node:test";
import { relayWorkerdOutput } from "../../selfhost/workerd-output.ts";

function relay() {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: string[] = [];
  const err: string[] = [];
  const sink = (lines: string[]) =>
    new PassThrough().on("data", (chunk: Buffer) =>
      lines.push(...chunk.toString().split("\n").filter(Boolean)),
    );
  relayWorkerdOutput(stdout, stderr, sink(out), sink(err));
  return { stdout, stderr, out, err };
}

const settle = () => new Promise((done) => setTimeout(done, 400));
const stack = (id: string) =>
  `stack: /opt/fedi-bff/node_modules/.bin/workerd@28a3c60 /opt/workerd@3ac7580; sentryErrorContext = jsgInternalError; wdErrId = ${id}`;
const cause =
  "workerd/jsg/util.c++:415: error: e = rust/worker/ffi.rs:110: failed: failed to lookup address information: Name or service not known";

it("puts workerd's cause into fedi-bff's line that cites it, and shows neither of workerd's lines", async () => {
  const { stdout, stderr, out, err } = relay();
  stderr.write(`${cause}\n${stack("abc123")}\n${cause}\n${stack("unused9")}\n`);
  stderr.write(
    '{"level":"warn","event":"registration_failed","host":"gone.example","internal":"https://gone.example/api/v1/apps: internal error; reference = abc123"}\n',
  );
  stdout.write('{"level":"info","internal":"x: internal error; reference = abc123"}\n');
  stderr.write("some other workerd line\n");
  await settle();
  assert.deepEqual(err, [
    '{"level":"warn","event":"registration_failed","host":"gone.example","internal":"https://gone.example/api/v1/apps: failed to lookup address information: Name or service not known"}',
    "some other workerd line",
  ]);
  assert.deepEqual(out, [
    '{"level":"info","internal":"x: failed to lookup address information: Name or service not known"}',
  ]);
});
