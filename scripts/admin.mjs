#!/usr/bin/env node
// `npm run admin -- <command>`: the operator's routes of a running fedi-bff (docs/operators.md).
//
//   npm run admin -- list                      instances with a registration
//   npm run admin -- status <host>             what the Registrar knows of one
//   npm run admin -- check <host>              ask the instance whether the client lives
//   npm run admin -- register <host>           force a fresh registration
//   npm run admin -- clear-backoff <host>      lift a registration back-off
//   npm run admin -- ready                     readiness, with each check
//   npm run admin -- metrics                   Prometheus text (self-hosted admin listener)
//
// ADMIN_TOKEN (required) is read from the environment and sent as a Bearer header, never in a URL.
// ADMIN_URL says where: self-hosted the loopback admin listener (default
// http://127.0.0.1:8788, or ADMIN_PORT's), on Cloudflare the deployment's PUBLIC_URL.
import process from "node:process";

const USAGE = `usage: npm run admin -- list | status <host> | check <host> | register <host> | clear-backoff <host> | ready | metrics
environment: ADMIN_TOKEN (required); ADMIN_URL (default http://127.0.0.1:\${ADMIN_PORT:-8788})`;

const ACTIONS = { check: "check", register: "register", "clear-backoff": "clear_backoff" };

function fail(message) {
  process.stderr.write(`fedi-bff admin: ${message}\n`);
  process.exit(2);
}

function request(argv) {
  const [command, host, extra] = argv;
  if (extra !== undefined) fail(USAGE);
  const instance = () =>
    host ? encodeURIComponent(host) : fail(`${command} needs an instance host\n${USAGE}`);
  switch (command) {
    case "list":
      return { method: "GET", path: "/_fedi-bff/instances" };
    case "status":
      return { method: "GET", path: `/_fedi-bff/instances/${instance()}` };
    case "ready":
      return { method: "GET", path: "/_fedi-bff/ready" };
    case "metrics":
      return { method: "GET", path: "/_fedi-bff/metrics" };
    default:
      if (command in ACTIONS) {
        return { method: "POST", path: `/_fedi-bff/instances/${instance()}/${ACTIONS[command]}` };
      }
      return fail(USAGE);
  }
}

async function main() {
  const { method, path } = request(process.argv.slice(2));
  const token = process.env.ADMIN_TOKEN?.trim();
  if (!token) fail("ADMIN_TOKEN is not set in the environment");
  const base = process.env.ADMIN_URL?.trim() || `http://127.0.0.1:${process.env.ADMIN_PORT?.trim() || 8788}`;
  let url;
  try {
    url = new URL(path, base);
  } catch {
    fail(`ADMIN_URL is not a URL: ${base}`);
  }
  if (url.protocol !== "https:" && !["127.0.0.1", "localhost", "[::1]"].includes(url.hostname)) {
    fail("ADMIN_URL must be https (or loopback): the token must not cross a network in clear");
  }
  const res = await fetch(url, {
    method,
    headers: { authorization: `Bearer ${token}`, accept: "application/json" },
    signal: AbortSignal.timeout(30_000),
  }).catch((error) => fail(`${url.origin}: ${error.message}`));
  const text = await res.text();
  const type = res.headers.get("content-type") ?? "";
  process.stdout.write(type.includes("json") ? `${JSON.stringify(JSON.parse(text), null, 2)}\n` : text);
  if (!res.ok) process.exitCode = 1;
}

await main();
