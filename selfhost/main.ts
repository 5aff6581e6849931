/**
 * `npm run self-host [-- --check]`: fedi-bff on open-source workerd, no Cloudflare account.
 *
 * 1. Reads the settings from the environment (selfhost/settings.ts) and checks them with the
 *    Worker's own rules; with any problem it lists them all and exits 1 before building or
 *    serving anything. `--check` stops here (exit 0 when valid).
 * 2. Builds the production bundle (`wrangler deploy --dry-run`, which runs wrangler.toml's
 *    `[build]`: the frontend folder) into DATA_DIR/build, and with a frontend folder checks it and
 *    builds the front module (selfhost/one-origin.ts, front.ts) there too.
 * 3. Writes DATA_DIR/workerd.capnp (mode 0600): the Worker with no KV and no Rate Limiting
 *    binding, the Registrar Durable Object on local disk (DATA_DIR/durable-objects), outbound
 *    fetches to public addresses only; with a frontend folder, the front module and the bundle in one Worker,
 *    serving the folder (read-only) and passing fedi-bff's paths on. Vars and secrets are named
 *    there, never written: workerd reads them from its environment (`fromEnvironment`).
 * 4. Runs `workerd serve` in the foreground, says where it listens, passes SIGINT/SIGTERM on
 *    and exits with workerd's status (a supervisor such as systemd restarts it).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import { type Built, dataPaths, selfHostConfig } from "./config.ts";
import { readFrontend } from "./frontend.ts";
import { readSettings, type SelfHostSettings } from "./settings.ts";
import { buildFrontWorker, buildProductionBundle, WORKERD } from "./workerd.ts";
import { relayWorkerdOutput } from "./workerd-output.ts";

const say = (line: string) => process.stdout.write(`fedi-bff: ${line}\n`);

function refuse(problems: readonly string[]): number {
  process.stderr.write(
    `fedi-bff: ${problems.length} configuration problem(s); nothing is served:\n${problems.map((p) => `  - ${p}\n`).join("")}`,
  );
  return 1;
}

/** The bundle, and with a frontend folder (checked now that `[build]` has run) the front module. */
async function buildAll(settings: SelfHostSettings, outdir: string): Promise<Built | string[]> {
  const bundle = await buildProductionBundle(outdir);
  if (settings.frontend === null) return { bundle };
  const { rules, problems } = readFrontend(settings.frontend, settings.dataDir);
  if (problems.length > 0) return problems;
  return { bundle, front: { module: await buildFrontWorker(outdir), rules } };
}

/** `workerd serve` in the foreground; resolves with the port once it listens. */
function serve(configPath: string): { child: ChildProcess; listening: Promise<number> } {
  const child = spawn(WORKERD, ["serve", configPath, "--control-fd=3"], {
    stdio: ["ignore", "pipe", "pipe", "pipe"],
    env: process.env,
  });
  relayWorkerdOutput(child.stdout as Readable, child.stderr as Readable, process.stdout, process.stderr);
  const listening = new Promise<number>((done, fail) => {
    const control = createInterface({ input: child.stdio[3] as NodeJS.ReadableStream });
    control.on("line", (line) => {
      const event = JSON.parse(line) as { event?: string; port?: number; socket?: string };
      // The public socket's port (the admin socket, when there is one, is on a fixed port).
      if (event.event === "listen" && event.port !== undefined && event.socket !== "admin") done(event.port);
    });
    child.once("exit", (code) => fail(new Error(`workerd exited (${code}) before listening`)));
  });
  return { child, listening };
}

async function main(): Promise<number> {
  const { settings, problems } = readSettings(process.env, process.cwd());
  if (settings === null) return refuse(problems);
  if (process.argv.includes("--check")) {
    say("the configuration is valid.");
    return 0;
  }
  const paths = dataPaths(settings.dataDir);
  // Registrations are sealed, but still nobody else's business: the folder is the owner's only.
  for (const dir of [settings.dataDir, paths.durableObjects, paths.build]) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  }
  chmodSync(settings.dataDir, 0o700);
  say("building the production bundle (wrangler deploy --dry-run)…");
  let built: Built | string[];
  try {
    built = await buildAll(settings, paths.build);
  } catch (error) {
    const detail = (error as { stderr?: string }).stderr?.trim() || String(error);
    process.stderr.write(`fedi-bff: the build failed; nothing is served:\n${detail}\n`);
    return 1;
  }
  if (Array.isArray(built)) return refuse(built);
  writeFileSync(paths.config, selfHostConfig(settings, built), { mode: 0o600 });
  chmodSync(paths.config, 0o600);
  const { child, listening } = serve(paths.config);
  const exited = new Promise<number>((done) =>
    child.once("exit", (code, signal) => done(code ?? (signal === "SIGTERM" || signal === "SIGINT" ? 0 : 1))),
  );
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.on(signal, () => child.kill(signal === "SIGHUP" ? "SIGTERM" : signal));
  }
  try {
    const port = await listening;
    const shown = settings.socketAddress.replace(/:\d+$/, `:${port}`).replace(/^\*:/, "0.0.0.0:");
    say(
      `serving on http://${shown} (${settings.development ? "development" : "production"}; data in ${settings.dataDir}; ${settings.frontend === null ? "no frontend" : `frontend ${settings.frontend.dir}`})`,
    );
    if (settings.adminSocketAddress !== null) {
      say(`admin routes and metrics on http://${settings.adminSocketAddress}/_fedi-bff/ (loopback only)`);
    }
  } catch {
    // workerd said why on stderr; its exit status is ours.
  }
  return exited;
}

process.exit(await main());
