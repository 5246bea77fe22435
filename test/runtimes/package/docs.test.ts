// docs/runtimes.md quotes the examples in full; the quotes must stay the files the tests run.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

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
