import { authenticate } from "./auth.ts";
import { type Ctx, sendJson } from "./http.ts";
import type { Upload } from "./state.ts";

const HEAD_BYTES = 64 * 1024;

/** What the first and last 64 KiB of a multipart body tell us; the rest is only counted. */
function inspect(head: Buffer, tail: Buffer): { hasFile: boolean; description: string | null; type: string } {
  const text = `${head.toString("latin1")}\n${tail.toString("latin1")}`;
  const description = /name="description"\r\n(?:[^\r\n]+\r\n)*\r\n([^\r]*)\r\n/.exec(text)?.[1] ?? null;
  const filePart = /name="file"[^\r]*\r\n(?:([^\r\n]+)\r\n)*/.exec(text);
  const type = /content-type:\s*([^\r\n]+)/i.exec(filePart?.[0] ?? "")?.[1]?.trim() ?? "image/png";
  return { hasFile: Boolean(filePart), description, type };
}

/**
 * POST /api/v2/media: streams the body without buffering it whole, recording when the first byte
 * arrived and when it ended, so tests can prove the BFF streams uploads.
 */
export function uploadMedia(ctx: Ctx): void {
  const token = authenticate(ctx, "write:media");
  if (!token) {
    ctx.req.resume();
    return;
  }
  const upload: Upload = { bytes: 0, startAt: Date.now(), firstByteAt: null, endAt: null };
  ctx.site.uploads.push(upload);
  let head = Buffer.alloc(0);
  let tail = Buffer.alloc(0);
  ctx.req.on("data", (chunk: Buffer) => {
    upload.firstByteAt ??= Date.now();
    upload.bytes += chunk.length;
    if (head.length < HEAD_BYTES) head = Buffer.concat([head, chunk.subarray(0, HEAD_BYTES - head.length)]);
    else tail = Buffer.concat([tail, chunk]).subarray(-HEAD_BYTES);
  });
  ctx.req.on("end", () => {
    upload.endAt = Date.now();
    const multipart = (ctx.req.headers["content-type"] ?? "").startsWith("multipart/form-data");
    const info = inspect(head, tail);
    if (!multipart || !info.hasFile) {
      return sendJson(ctx, 422, { error: "Validation failed: File can't be blank" });
    }
    const id = String(114000000000000000n + BigInt(++ctx.site.media));
    sendJson(ctx, 202, {
      id,
      type: info.type.startsWith("video/") ? "video" : "image",
      url: null,
      preview_url: `${ctx.site.origin}/system/media_attachments/files/${id}/small/upload.png`,
      remote_url: null,
      text_url: null,
      meta: {},
      description: info.description,
      blurhash: "UFBWY:8_0Jxv_4%MRjWB00%M%MRj-;WBt7j[",
    });
  });
}
