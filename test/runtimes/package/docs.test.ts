// docs/runtimes.md quotes the examples in full; the quotes must stay the files the tests run. Its
// "Tested on" table (also in README.md) must be what `npm run runtimes:table` would write today, and
// the README's adapter costs what `npm run adapters:cost` measures.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { describe, renderTable, staleFiles, withTable } from "../../../scripts/runtimes-table.mjs";

const root = new URL("../../../", import.meta.url);
const docs = readFileSync(new URL("docs/runtimes.md", root), "utf8");
/** Code blocks whose first line names the example they quote: "// examples/<file>". */
const quotes = [...docs.matchAll(/^```ts\n\/\/ (examples\/\S+)\n([\s\S]*?)^```$/gm)];

test("docs/runtimes.md quotes each runtime's example", () => {
  const quoted = quotes.map((match) => match[1]).sort();
  assert.deepEqual(quoted, ["examples/bun-serve.ts", "examples/deno-serve.ts", "examples/node-hono.ts"]);
});

test("every quote in docs/runtimes.md is its example file, verbatim", () => {
  for (const [, path = "", body] of quotes) {
    assert.equal(
      body,
      readFileSync(new URL(path, root), "utf8"),
      `${path} changed: copy it into the docs again`,
    );
  }
});

test("docs/runtimes.md has the markers npm run runtimes:table rewrites between", () => {
  assert.match(docs, /<!-- runtimes-table:start -->[\s\S]*<!-- runtimes-table:end -->/);
});

test("the Tested-on tables in docs/runtimes.md and README.md are what npm run runtimes:table writes today", () => {
  // The same check anyone can run: `npm run runtimes:table -- --check` (it runs no tests).
  const check = spawnSync(
    new URL("node_modules/.bin/node", root).pathname,
    ["scripts/runtimes-table.mjs", "--check"],
    { cwd: root, encoding: "utf8" },
  );
  assert.equal(check.status, 0, `${check.stdout}${check.stderr}`);
});

test("the table check notices a changed case count or runtime version, not a system Node patch release", () => {
  const today = describe();
  const read = (path: string) => readFileSync(new URL(path, root), "utf8");
  const fresh = new Map(
    ["docs/runtimes.md", "README.md"].map((path) => [path, withTable(read(path), renderTable(today), path)!]),
  );
  assert.deepEqual(
    staleFiles(today, (path) => fresh.get(path)!),
    [],
  );
  // A case file added since the table was written: the count in the docs is one short.
  const oneMore = { ...today, expected: { ...today.expected, tests: today.expected.tests + 1 } };
  assert.deepEqual(
    staleFiles(oneMore, (path) => fresh.get(path)!),
    ["docs/runtimes.md", "README.md"],
  );
  // A devDependency upgraded (deno here).
  const upgraded = {
    ...today,
    results: today.results.map((r) => (r.id === "deno" ? { ...r, version: "deno 99.0.0" } : r)),
  };
  assert.deepEqual(
    staleFiles(upgraded, (path) => fresh.get(path)!),
    ["docs/runtimes.md", "README.md"],
  );
  // The machine's own Node by major version only: a patch release elsewhere is not a stale table.
  const patched = {
    ...today,
    results: today.results.map((r) =>
      r.fromMachine ? { ...r, version: r.version!.replace(/\.\d+$/, ".99") } : r,
    ),
  };
  assert.deepEqual(
    staleFiles(patched, (path) => fresh.get(path)!),
    [],
  );
  // docs/runtimes.md without its markers cannot be rewritten: stale too.
  assert.deepEqual(
    staleFiles(today, (path) => (path === "README.md" ? fresh.get(path)! : "# no table")),
    ["docs/runtimes.md"],
  );
});

test("the README's adapter costs are what npm run adapters:cost measures today", async () => {
  const { renderCosts, withCosts } = await import("../../../scripts/adapter-costs.ts");
  const readme = readFileSync(new URL("README.md", root), "utf8");
  const fresh = withCosts(readme, await renderCosts());
  assert.ok(
    fresh === readme,
    "README.md: the adapter costs are stale (an adapter or the core changed size); run `npm run adapters:cost` and commit the result",
  );
  // And the check can fail: a changed figure is noticed.
  assert.notEqual(withCosts(readme, (await renderCosts()).replace(/\d+\.\d KiB/, "99.9 KiB")), readme);
});
