/**
 * A large upload through a target: a multipart body (as a browser sends a media file) written in
 * 256 KiB chunks with backpressure. The stub records when its first and last body bytes arrived;
 * here we record when the client had written half and all of it. Streaming means the upstream's
 * first byte comes long before the client's halfway mark; a buffering proxy would show it only
 * after the client finished. `chunked` sends the same body without a Content-Length
 * (Transfer-Encoding: chunked), as a client that streams a body of unknown length does.
 */
import { request } from "node:http";
import { targetUrl } from "./phases.ts";
import { currentRss, peakRss, resetPeakRss } from "./processes.ts";
import type { Setup } from "./setup.ts";

const now = () => performance.timeOrigin + performance.now();
const CHUNK = 256 * 1024;

export interface UploadTiming {
  readonly bytes: number;
  readonly status: number;
  /** Milliseconds after the client started sending. */
  readonly upstreamFirstByteMs: number;
  readonly clientHalfSentMs: number;
  readonly clientDoneMs: number;
  readonly upstreamLastByteMs: number;
  readonly responseMs: number;
}

interface StubUpload {
  bytes: number;
  firstByteAt: number;
  lastByteAt: number;
}

export async function upload(
  url: string,
  fileBytes: number,
  headers: Record<string, string>,
  stubStatsUrl: string,
  chunked = false,
): Promise<UploadTiming> {
  const boundary = "----fedibffbench7MA4YWxkTrZu0gW";
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="bench.bin"\r\n` +
      "Content-Type: application/octet-stream\r\n\r\n",
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const total = head.length + fileBytes + tail.length;
  const chunk = Buffer.alloc(CHUNK, 0x61);
  const req = request(url, {
    method: "POST",
    headers: {
      ...headers,
      "content-type": `multipart/form-data; boundary=${boundary}`,
      ...(chunked ? { "transfer-encoding": "chunked" } : { "content-length": String(total) }),
    },
  });
  const response = new Promise<{ status: number; at: number }>((resolve, reject) => {
    req.on("response", (res) => {
      res.resume();
      res.on("end", () => resolve({ status: res.statusCode ?? 0, at: now() }));
    });
    req.on("error", reject);
  });
  const write = (data: Buffer) =>
    new Promise<void>((resolve, reject) => req.write(data, (error) => (error ? reject(error) : resolve())));
  const start = now();
  let sent = 0;
  let halfAt = Number.NaN;
  await write(head);
  while (sent < fileBytes) {
    const size = Math.min(CHUNK, fileBytes - sent);
    await write(size === CHUNK ? chunk : chunk.subarray(0, size));
    sent += size;
    if (Number.isNaN(halfAt) && head.length + sent >= total / 2) halfAt = now();
  }
  await write(tail);
  await new Promise<void>((resolve) => req.end(resolve));
  const doneAt = now();
  const { status, at } = await response;
  const stats = (await (await fetch(stubStatsUrl)).json()) as { lastUpload: StubUpload | null };
  const seen = stats.lastUpload;
  if (seen === null || seen.firstByteAt < start) throw new Error(`upload to ${url}: the stub saw no body`);
  return {
    bytes: seen.bytes,
    status,
    upstreamFirstByteMs: seen.firstByteAt - start,
    clientHalfSentMs: halfAt - start,
    clientDoneMs: doneAt - start,
    upstreamLastByteMs: seen.lastByteAt - start,
    responseMs: at - start,
  };
}

export interface UploadFigures {
  readonly timing: UploadTiming;
  readonly rssBefore: number;
  readonly peakRss: number;
  readonly peakMeasured: boolean;
}

/** The targets a large upload goes through: every fedi-bff configuration, and the pass-through. */
export type UploadTarget = "pass" | "bff" | "mounted" | "self";

export async function uploadThrough(
  setup: Setup,
  target: UploadTarget,
  bytes: number,
  chunked = false,
): Promise<UploadFigures> {
  const pid = setup.workerd.pid;
  const peakMeasured = resetPeakRss(pid);
  const rssBefore = currentRss(pid);
  const headers: Record<string, string> =
    target === "pass" ? {} : { cookie: setup.session.cookie, "x-csrf": "1" };
  const timing = await upload(
    `${targetUrl(setup, target)}/api/v2/media`,
    bytes,
    headers,
    setup.urls.stubStats,
    chunked,
  );
  return { timing, rssBefore, peakRss: peakRss(pid), peakMeasured };
}
