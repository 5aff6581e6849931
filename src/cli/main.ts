#!/usr/bin/env node
/**
 * The `fedi-bff` command (package.json "bin"), for the chores around a Worker that uses fedi-bff:
 *
 *   fedi-bff init          the starter in this folder: wrangler.toml, src/index.ts, public/, .dev.vars
 *   fedi-bff key           a session key into .dev.vars (with ENVIRONMENT=development)
 *   fedi-bff key --print   only a new key, for `| npx wrangler secret put SESSION_KEYS`
 *   fedi-bff check [-c wrangler.toml] [-e env]
 *                          every problem of the Worker `wrangler deploy` would deploy; exit 1 if any
 */
import { deploymentProblems } from "./check.ts";
import { init } from "./init.ts";
import { newSessionKey, writeDevVars } from "./key.ts";

const USAGE = `usage: fedi-bff <command>
  init                         write the starter into this folder (never overwrites a file)
  key [--print]                a session key into .dev.vars, or (--print) only the key
  check [-c config] [-e env]   check the Worker wrangler would deploy; exit 1 on any problem
`;

const say = (line: string) => process.stdout.write(`fedi-bff: ${line}\n`);

function option(args: readonly string[], short: string, long: string): string | undefined {
  const at = args.findIndex((a) => a === short || a === long);
  return at < 0 ? undefined : args[at + 1];
}

function key(args: readonly string[]): number {
  if (args.includes("--print")) {
    process.stdout.write(`${newSessionKey()}\n`);
    if (process.stdout.isTTY) {
      process.stderr.write(
        "fedi-bff: for Cloudflare, pipe it instead: npx fedi-bff key --print | npx wrangler secret put SESSION_KEYS\n",
      );
    }
    return 0;
  }
  const added = writeDevVars(process.cwd());
  say(
    added.length === 0
      ? ".dev.vars already sets ENVIRONMENT and SESSION_KEYS; nothing changed."
      : `wrote ${added.join(" and ")} into .dev.vars (local development only; keep it out of git).`,
  );
  say("for a deployed Worker: npx fedi-bff key --print | npx wrangler secret put SESSION_KEYS");
  return 0;
}

async function check(args: readonly string[]): Promise<number> {
  const problems = await deploymentProblems(
    process.cwd(),
    option(args, "-c", "--config"),
    option(args, "-e", "--env"),
  );
  if (problems.length > 0) {
    process.stderr.write(
      `fedi-bff: ${problems.length} problem(s); the deployed Worker would answer 500 misconfigured or fail:\n${problems.map((p) => `  - ${p}\n`).join("")}`,
    );
    return 1;
  }
  say("the Worker is ready to deploy (SESSION_KEYS must be a secret: npx wrangler secret list).");
  return 0;
}

function scaffold(): number {
  const report = init(process.cwd());
  if (report.written.length > 0) say(`wrote ${report.written.join(", ")}`);
  if (report.kept.length > 0)
    say(`kept your ${report.kept.join(", ")} (the starter's copies were not written)`);
  if (report.scripts.length > 0) say(`added the scripts ${report.scripts.join(", ")} to package.json`);
  if (report.devVars.length > 0) say(`wrote ${report.devVars.join(" and ")} into .dev.vars`);
  say("next: npm run dev, then open http://localhost:8787/");
  return 0;
}

async function main(args: readonly string[]): Promise<number> {
  switch (args[0]) {
    case "init":
      return scaffold();
    case "key":
      return key(args.slice(1));
    case "check":
      return check(args.slice(1));
    case undefined:
    case "help":
    case "--help":
    case "-h":
      process.stdout.write(USAGE);
      return args[0] === undefined ? 1 : 0;
    default:
      process.stderr.write(`fedi-bff: unknown command "${args[0]}"\n${USAGE}`);
      return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
