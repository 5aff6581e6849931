#!/usr/bin/env node
// `node scripts/check-docs.mjs` (part of `npm run lint`): the README and every page of docs/ stay
// true to the repository. Exit 1, naming each problem, when
// - a relative link names a file that does not exist, or an #anchor no heading of its target makes;
// - a path (`src/…`, `test/…`, `docs/…`, …), in backticks or in prose, names nothing in the
//   repository — in test/corpus/ too;
// - a ```json block does not parse;
// - a ```ts block is not one that a test runs or typechecks (CHECKED_TS_BLOCKS below).
// The README also stays a front door: under README_LIMIT bytes.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../", import.meta.url));
const README_LIMIT = 15_000;

/** The ```ts blocks a test executes or typechecks, per page: scripts/test-example.mjs, test/e2e/masto-browser.e2e.ts. */
const CHECKED_TS_BLOCKS = { "docs/library.md": 2, "docs/masto.md": 2 };

/** A path into one of the repository's folders, as it stands in a sentence. */
const PATH_IN_TEXT =
  /(?<![\w./-])((?:src|test|scripts|selfhost|bench|demo|docs|examples)\/[\w./@*-]*[\w/*])/g;
/** Build outputs a page may name: made by a command, gitignored. */
const BUILT = /^demo\/dist\/?$/;

const pages = [
  "README.md",
  ...readdirSync(join(root, "docs"))
    .filter((f) => f.endsWith(".md"))
    .map((f) => `docs/${f}`),
];
const problems = [];

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
function slug(heading) {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, "")
    .replace(/ /g, "-");
}

function anchors(text) {
  const seen = new Map();
  const result = new Set();
  for (const line of withoutCode(text).split("\n")) {
    const match = /^#{1,6} (.*)$/.exec(line);
    if (match === null) continue;
    const base = slug(match[1].replace(/`/g, ""));
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    result.add(count === 0 ? base : `${base}-${count}`);
  }
  return result;
}

function withoutCode(text) {
  return text.replace(/^```[\s\S]*?^```/gm, "");
}

function codeBlocks(text) {
  return [...text.matchAll(/^```(\w*)\n([\s\S]*?)^```/gm)].map((m) => ({ lang: m[1], body: m[2] }));
}

for (const page of pages) {
  const text = readFileSync(join(root, page), "utf8");
  const prose = withoutCode(text);
  for (const [, target] of prose.matchAll(/\]\(([^)\s]+)\)/g)) {
    if (/^(https?:|mailto:)/.test(target)) continue;
    const [file, anchor] = target.split("#");
    const path = file === "" ? page : normalize(join(dirname(page), file));
    if (!existsSync(join(root, path))) {
      problems.push(`${page}: link to ${target}: no such file`);
      continue;
    }
    if (
      anchor !== undefined &&
      path.endsWith(".md") &&
      !anchors(readFileSync(join(root, path), "utf8")).has(anchor)
    ) {
      problems.push(`${page}: link to ${target}: no heading makes #${anchor}`);
    }
  }
  checkPaths(page, prose);
  const blocks = codeBlocks(text);
  for (const block of blocks.filter((b) => b.lang === "json")) {
    try {
      JSON.parse(block.body);
    } catch (error) {
      problems.push(`${page}: a json block does not parse (${error.message})`);
    }
  }
  const ts = blocks.filter((b) => b.lang === "ts").length;
  if (ts !== (CHECKED_TS_BLOCKS[page] ?? 0)) {
    problems.push(
      `${page}: ${ts} ts block(s), but tests check ${CHECKED_TS_BLOCKS[page] ?? 0} (scripts/check-docs.mjs)`,
    );
  }
}

/** Any repository path in the text, wherever it stands (globs, `<placeholders>` and `…` skipped). */
function checkPaths(source, text) {
  for (const [, path] of text.matchAll(PATH_IN_TEXT)) {
    if (/[*<>{}]/.test(path) || path.includes("...") || BUILT.test(path)) continue;
    if (!existsSync(join(root, path.replace(/\.+$/, "")))) {
      problems.push(`${source}: ${path} names nothing in the repository`);
    }
  }
}

for (const corpus of readdirSync(join(root, "test/corpus"))) {
  checkPaths(`test/corpus/${corpus}`, readFileSync(join(root, "test/corpus", corpus), "utf8"));
}

const size = readFileSync(join(root, "README.md")).length;
if (size >= README_LIMIT)
  problems.push(`README.md: ${size} bytes; keep it under ${README_LIMIT} (details go to docs/)`);

if (problems.length > 0) {
  process.stderr.write(`docs: ${problems.length} problem(s):\n${problems.map((p) => `  - ${p}\n`).join("")}`);
  process.exit(1);
}
console.log(
  `docs: ${pages.length} pages, links and paths checked (${relative(root, join(root, "README.md"))} ${size} B)`,
);
