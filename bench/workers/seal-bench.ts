/**
 * Runs fedi-bff's own session code N times inside workerd (bundled by the harness with esbuild).
 * workerd's clock stands still while JavaScript runs, so the harness times the whole request from
 * outside and subtracts an n=0 request.
 *
 *   ?mode=open&n=N  open (JWE dir/A256GCM decrypt + claim checks) and decodeSession, N times
 *   ?mode=memo&n=N  readSession on the same cookie: the per-isolate memo the proxy hits
 */
import { getKeyRing } from "../../src/crypto/key-ring.ts";
import { open } from "../../src/crypto/seal.ts";
import { decodeSession } from "../../src/session/session.ts";
import { readSession } from "../../src/session/store.ts";

interface SealBenchEnv {
  SESSION_KEYS: string;
  /** The sealed session cookie value. */
  SEALED: string;
}

export default {
  async fetch(request: Request, env: SealBenchEnv): Promise<Response> {
    const url = new URL(request.url);
    const n = Math.min(Number(url.searchParams.get("n") ?? "0"), 1_000_000);
    const mode = url.searchParams.get("mode");
    const ring = await getKeyRing(env.SESSION_KEYS.split(","));
    const cookie = `__Host-fedi-bff-session=${env.SEALED}`;
    let valid = 0;
    for (let i = 0; i < n; i++) {
      if (mode === "memo") {
        if ((await readSession(cookie, ring)) !== null) valid++;
      } else {
        const payload = await open(env.SEALED, "session", ring);
        if (payload !== null && decodeSession(payload) !== null) valid++;
      }
    }
    return Response.json({ n, valid });
  },
};
