// `npm run runtimes:table`: runs the cases on every runtime (scripts/runtimes.mjs) and, when all of
// them passed, rewrites the "Tested on" table in docs/runtimes.md (and README.md, if marked). On
// demand only, so CI never changes tracked files. `--from <file>` reuses the JSON of an earlier
// `runtimes.mjs --json` run.
//
// `--check` runs no tests: it asks `runtimes.mjs --describe` for today's figures (case counts and
// versions), renders the table exactly as a full run would write it, and fails when a file differs
// (test/runtimes/package/docs.test.ts runs it). The table carries only figures that a full run and
// `--describe` produce alike, so the check never depends on a run's timing or date; the machine's own
// Node appears by its major version, since the lock file does not pin it.
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(import.meta.dirname, "..");
const node24 = join(root, "node_modules", ".bin", "node");
const START = "<!-- runtimes-table:start -->";
const END = "<!-- runtimes-table:end -->";
/** Files that carry the table: docs/runtimes.md always, README.md once it has the markers. */
const FILES = ["docs/runtimes.md", "README.md"];

/** The table for a run's (or `--describe`'s) figures: `{ expected: { tests, files }, results: [...] }`. */
export function renderTable(run) {
  const rows = run.results.map((r) => {
    const version =
      r.version && r.fromMachine ? r.version.replace(/^(node \d+)\..*/, "$1 (system)") : r.version;
    return `| ${r.id} | ${version ?? "missing"} | ${r.what} |`;
  });
  return [
    `${run.expected.tests} cases from ${run.expected.files} files in \`test/cases/\` run on each runtime below, with`,
    "each runtime's own tests (examples, stores). `npm test` runs them all and fails if a runtime fails, is",
    "missing, or runs fewer cases (skips: `test/runtimes/skips.ts`). `npm run runtimes:table` writes this",
    "table, and only after a run where all passed.",
    "",
    "| Runtime | Version | How |",
    "| --- | --- | --- |",
    ...rows,
  ].join("\n");
}

/** `text` with the table between the markers replaced, formatted as `npm run lint` wants it; undefined without markers. */
export function withTable(text, table, path) {
  const start = text.indexOf(START);
  const end = text.indexOf(END);
  if (start === -1 || end < start) return undefined;
  const replaced = `${text.slice(0, start + START.length)}\n${table}\n${text.slice(end)}`;
  // Biome formats Markdown too (aligned tables): produce what `biome format --write` would leave.
  const formatted = spawnSync(
    join(root, "node_modules", ".bin", "biome"),
    ["format", `--stdin-file-path=${path}`],
    {
      cwd: root,
      input: replaced,
      encoding: "utf8",
    },
  );
  if (formatted.status !== 0) throw new Error(`biome could not format ${path}: ${formatted.stderr}`);
  return formatted.stdout;
}

/** Today's figures without running any test: `runtimes.mjs --describe`. */
export function describe() {
  const result = spawnSync(node24, ["scripts/runtimes.mjs", "--describe"], { cwd: root, encoding: "utf8" });
  if (result.status !== 0) throw new Error(`scripts/runtimes.mjs --describe failed:\n${result.stderr}`);
  return JSON.parse(result.stdout);
}

/** Files whose table differs from the one these figures make (docs/runtimes.md must have the markers). */
export function staleFiles(run, read = (path) => readFileSync(join(root, path), "utf8")) {
  const table = renderTable(run);
  return FILES.filter((path) => {
    const text = read(path);
    const wanted = withTable(text, table, path);
    return wanted === undefined ? path === FILES[0] : wanted !== text;
  });
}

function main() {
  const args = process.argv.slice(2);
  if (args.includes("--check")) {
    const stale = staleFiles(describe());
    if (stale.length === 0) {
      console.log(`runtimes table: ${FILES.join(" and ")} match today's cases and runtimes`);
      return 0;
    }
    console.error(
      `runtimes table: ${stale.join(" and ")} ${stale.length === 1 ? "is" : "are"} stale ` +
        `(cases or runtime versions changed, or the markers ${START} ${END} are missing). ` +
        "Run `npm run runtimes:table` and commit the result.",
    );
    return 1;
  }

  const from = args.includes("--from") ? args[args.indexOf("--from") + 1] : undefined;
  let json = from;
  let status = 0;
  if (!json) {
    mkdirSync(join(root, "test-output"), { recursive: true });
    json = join(root, "test-output", "runtimes.json");
    status =
      spawnSync(node24, ["scripts/runtimes.mjs", "--json", json], { cwd: root, stdio: "inherit" }).status ??
      1;
  }
  const run = JSON.parse(readFileSync(json, "utf8"));
  const failed = run.results.filter((r) => !r.ok).map((r) => r.id);
  if (status !== 0 || failed.length > 0) {
    // The table says all cases pass on every runtime listed: never write it from a failed run.
    console.error(`runtimes table: not rewritten, the run failed (${failed.join(", ") || `exit ${status}`})`);
    return 1;
  }
  const table = renderTable(run);
  for (const path of FILES) {
    const text = readFileSync(join(root, path), "utf8");
    const wanted = withTable(text, table, path);
    if (wanted === undefined) {
      if (path !== FILES[0]) continue;
      console.error(`${path} needs the markers ${START} and ${END}`);
      return 2;
    }
    writeFileSync(join(root, path), wanted);
    console.log(`${path}: table rewritten from ${from ?? "this run"}`);
  }
  return 0;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) process.exit(main());
