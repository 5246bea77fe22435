// `npm run runtimes:table`: runs the cases on every runtime (scripts/runtimes.mjs) and rewrites the
// runtime × version × result table in docs/runtimes.md (and README.md, if marked) from that run. On demand only, so CI never
// changes tracked files. `--from <file>` reuses the JSON of an earlier `runtimes.mjs --json` run.
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

const root = resolve(import.meta.dirname, "..");
const docs = join(root, "docs", "runtimes.md");
const START = "<!-- runtimes-table:start -->";
const END = "<!-- runtimes-table:end -->";

const from = process.argv.includes("--from") ? process.argv[process.argv.indexOf("--from") + 1] : undefined;
let json = from;
let status = 0;
if (!json) {
  mkdirSync(join(root, "test-output"), { recursive: true });
  json = join(root, "test-output", "runtimes.json");
  const node24 = join(root, "node_modules", ".bin", "node");
  status =
    spawnSync(node24, ["scripts/runtimes.mjs", "--json", json], { cwd: root, stdio: "inherit" }).status ?? 1;
}
const run = JSON.parse(readFileSync(json, "utf8"));

const rows = run.results.map((r) => {
  const c = r.counts;
  const counts = c
    ? `${c.passed} passed, ${c.failed} failed${c.skipped ? `, ${c.skipped} skipped` : ""}`
    : "did not run";
  return `| ${r.id} | ${r.version ?? "missing"} | ${r.what} | ${r.ok ? "✅" : "❌"} ${counts} |`;
});
const table = [
  `${run.expected.tests} cases from ${run.expected.files} files in \`test/cases/\`, plus each runtime's own tests`,
  `(examples, stores). Produced by \`npm run runtimes:table\` on ${run.date.slice(0, 10)}.`,
  "",
  "| Runtime | Version | How | Result |",
  "| --- | --- | --- | --- |",
  ...rows,
].join("\n");

// docs/runtimes.md always carries the table; README.md too once it has the same two markers.
for (const file of [docs, join(root, "README.md")]) {
  const text = readFileSync(file, "utf8");
  const start = text.indexOf(START);
  const end = text.indexOf(END);
  if (start === -1 || end < start) {
    if (file === docs) {
      console.error(`docs/runtimes.md needs the markers ${START} and ${END}`);
      process.exit(2);
    }
    continue;
  }
  writeFileSync(file, `${text.slice(0, start + START.length)}\n${table}\n${text.slice(end)}`);
  // Biome formats Markdown too (aligned tables): leave the file as `npm run lint` wants it.
  spawnSync(join(root, "node_modules", ".bin", "biome"), ["format", "--write", file], {
    cwd: root,
    stdio: "ignore",
  });
  console.log(`${file.slice(root.length + 1)}: table rewritten from ${from ?? "this run"}`);
}
process.exit(status);
