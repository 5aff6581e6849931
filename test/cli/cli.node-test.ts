/**
 * The `fedi-bff` command (src/cli/) and the self-hosted settings check, run as a user runs them:
 * the command in a folder of its own, against a wrangler config written there. Node's test runner
 * (`npm run test:cli`, part of `npm test`): these are Node programs, not Worker code.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { readSettings } from "../../selfhost/settings.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const CLI = join(ROOT, "src/cli/main.ts");
const KEY = "dGVzdC1rZXktMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDA";
const folders: string[] = [];
after(() => {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

/** An empty project folder whose node_modules holds this repository's wrangler. */
function project(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), "fedi-bff-cli-"));
  folders.push(dir);
  mkdirSync(join(dir, "node_modules"));
  symlinkSync(join(ROOT, "node_modules/wrangler"), join(dir, "node_modules/wrangler"));
  writeFileSync(join(dir, "package.json"), '{ "name": "my-app", "private": true }\n');
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, ".."), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

function fediBff(dir: string, ...args: string[]) {
  const run = spawnSync(process.execPath, [CLI, ...args], { cwd: dir, encoding: "utf8" });
  return { status: run.status, out: run.stdout, err: run.stderr };
}

/** The starter's wrangler.toml with `edit` applied: a config that passes, then one thing broken. */
function starterToml(edit: (toml: string) => string = (t) => t): string {
  const toml = readFileSync(join(ROOT, "examples/starter/wrangler.toml"), "utf8")
    .replace(
      '# PUBLIC_URL = "https://my-fedi-app.example.workers.dev"',
      'PUBLIC_URL = "https://app.example.org"',
    )
    .replace(
      '# APP_WEBSITE = "https://my-fedi-app.example.org/about"',
      'APP_WEBSITE = "https://app.example.org/about"',
    )
    .replace('id = "00000000000000000000000000000000"', 'id = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"');
  return edit(toml);
}

describe("fedi-bff check", () => {
  it("passes the starter's config once PUBLIC_URL and the KV id are set", () => {
    const run = fediBff(project({ "wrangler.toml": starterToml(), "src/index.ts": "" }), "check");
    assert.equal(run.status, 0, run.err);
    assert.match(run.out, /the Worker is ready to deploy/);
  });

  it("refuses the starter as it is: PUBLIC_URL unset and the placeholder KV id, each with its fix", () => {
    const toml = readFileSync(join(ROOT, "examples/starter/wrangler.toml"), "utf8");
    const run = fediBff(project({ "wrangler.toml": toml, "src/index.ts": "" }), "check");
    assert.equal(run.status, 1);
    assert.match(run.err, /3 problem\(s\)/);
    assert.match(run.err, /APP_WEBSITE: missing \(a page that says who runs this deployment/);
    assert.match(
      run.err,
      /PUBLIC_URL: not set in \[vars\]; the https origin users will reach: https:\/\/my-fedi-app\./,
    );
    assert.match(run.err, /APPS: the KV id is the placeholder; run `npx wrangler kv namespace create APPS`/);
  });

  it("refuses a misspelled setting, a cross-site frontend, a missing flag and an unrouted path, all at once", () => {
    const toml = starterToml((t) =>
      t
        .replace(
          "[vars]\n",
          '[vars]\nINSTANCE_ALLOW_LIST = "mastodon.social"\nFRONTEND_ORIGINS = "https://app.example.net"\n',
        )
        .replace('compatibility_flags = ["global_fetch_strictly_public"]', "compatibility_flags = []")
        .replace('"/api/*", ', ""),
    );
    const run = fediBff(project({ "wrangler.toml": toml, "src/index.ts": "" }), "check");
    assert.equal(run.status, 1);
    const lines = run.err.split("\n").filter((l) => l.startsWith("  - "));
    assert.deepEqual(lines, [
      "  - FRONTEND_ORIGINS: \"https://app.example.net\" is not on the same site as PUBLIC_URL https://app.example.org: fedi-bff's cookies would never be sent from it (serve the frontend from PUBLIC_URL's domain or a subdomain of it)",
      "  - INSTANCE_ALLOW_LIST: not a setting of fedi-bff; did you mean INSTANCE_ALLOWLIST?",
      `  - compatibility_flags: add "global_fetch_strictly_public" (a fetch to a host on your own zone then goes through Cloudflare's front door, not straight to your origin)`,
      '  - [assets] run_worker_first: add "/api/*" (fedi-bff\'s path; without it a browser navigation there gets your index.html)',
    ]);
  });

  it("refuses a session key in [vars], development mode, and a missing Durable Object", () => {
    const toml = starterToml((t) =>
      t
        .replace('ENVIRONMENT = "production"', `ENVIRONMENT = "development"\nSESSION_KEYS = "${KEY}"`)
        .replace(/\[\[durable_objects\.bindings\]\][^[]*/, "")
        .replace(/\[\[migrations\]\][^[]*/, ""),
    );
    const run = fediBff(project({ "wrangler.toml": toml, "src/index.ts": "" }), "check");
    assert.equal(run.status, 1);
    assert.match(run.err, /SESSION_KEYS: in \[vars\] anyone who reads wrangler.toml has it/);
    assert.match(run.err, /ENVIRONMENT: development would be deployed; put it in .dev.vars/);
    assert.match(run.err, /REGISTRAR: no \[\[durable_objects.bindings\]\]/);
    assert.match(run.err, /Registrar: no \[\[migrations\]\] creates it/);
  });
});

describe("fedi-bff init and key", () => {
  it("writes the starter, the scripts and .dev.vars, and never overwrites a file", () => {
    const dir = project({ "src/index.ts": "// mine\n" });
    const run = fediBff(dir, "init");
    assert.equal(run.status, 0, run.err);
    for (const file of [
      "wrangler.toml",
      "public/index.html",
      "public/app.js",
      "tsconfig.json",
      ".gitignore",
    ]) {
      assert.ok(existsSync(join(dir, file)), file);
    }
    assert.equal(readFileSync(join(dir, "src/index.ts"), "utf8"), "// mine\n");
    assert.match(run.out, /kept your src\/index.ts/);
    assert.match(readFileSync(join(dir, "wrangler.toml"), "utf8"), /^name = "my-app"$/m);
    const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
    assert.equal(pkg.scripts.deploy, "fedi-bff check && wrangler deploy");
    const vars = readFileSync(join(dir, ".dev.vars"), "utf8");
    assert.match(vars, /^ENVIRONMENT=development\nSESSION_KEYS=[A-Za-z0-9_-]{43}\n$/);
    assert.equal(fediBff(dir, "key").status, 0);
    assert.equal(readFileSync(join(dir, ".dev.vars"), "utf8"), vars, "an existing key is kept");
  });

  it("prints only a key with --print, for a pipe into wrangler secret put", () => {
    const run = fediBff(project(), "key", "--print");
    assert.equal(run.status, 0);
    assert.match(run.out, /^[A-Za-z0-9_-]{43}\n$/);
  });
});

describe("npm run self-host -- --check: the settings", () => {
  it("refuses a misspelled variable, a cross-site frontend and an unset PUBLIC_URL, naming each fix", () => {
    const { problems } = readSettings(
      {
        SESSION_KEYS: KEY,
        INSTANCE_ALLOW_LIST: "mastodon.social",
        PUBLIC_URl: "https://bff.example.org",
        FRONTEND_ORIGINS: "https://app.example.net",
        PATH: "/usr/bin",
        HOME: "/root",
      },
      ROOT,
    );
    assert.deepEqual(problems, [
      "PUBLIC_URL: missing (the BFF's own origin, e.g. https://bff.example.org; for local development, ENVIRONMENT=development)",
      "APP_WEBSITE: missing (a page that says who runs this deployment and how to reach them; instance admins see it)",
      "INSTANCE_ALLOW_LIST: not a setting of fedi-bff; did you mean INSTANCE_ALLOWLIST?",
      "PUBLIC_URl: not a setting of fedi-bff; did you mean PUBLIC_URL?",
    ]);
    const crossSite = readSettings(
      {
        SESSION_KEYS: KEY,
        PUBLIC_URL: "https://bff.example.org",
        FRONTEND_ORIGINS: "https://app.example.net",
      },
      ROOT,
    );
    assert.match(
      crossSite.problems.join("\n"),
      /FRONTEND_ORIGINS: "https:\/\/app.example.net" is not on the same site/,
    );
  });
});
