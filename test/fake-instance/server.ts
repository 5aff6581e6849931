import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

export async function startFakeServer(opts: { port: number }) {
  const server = createServer((req, res) => {
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify({ origin: req.headers["x-fake-origin"], path: req.url }));
  });
  await new Promise<void>((r) => server.listen(opts.port, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  return { port, close: () => new Promise<void>((r) => server.close(() => r())) };
}
