// docs/hono.md, docs/workers.md and docs/demo.md quote examples in full; the quotes must stay the
// files that the Workers tests run and `npm run typecheck` checks.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const root = new URL("../../", import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), "utf8");

const expected: Record<string, string[]> = {
  "docs/hono.md": [
    "examples/hono-options.ts",
    "examples/hono-quickstart.ts",
    "examples/hono-secure.ts",
    "examples/hono-typed.ts",
  ],
  "docs/workers.md": ["examples/worker-fetch.ts", "examples/worker-helper.ts"],
  "docs/demo.md": [],
};

describe.each(Object.entries(expected))("%s", (doc, examples) => {
  /** Code blocks whose first line names the example they quote: "// examples/<file>". */
  const quotes = [...read(doc).matchAll(/^```ts\n\/\/ (examples\/\S+)\n([\s\S]*?)^```$/gm)];

  it("quotes its examples", () => {
    expect(quotes.map((match) => match[1]).sort()).toEqual(examples);
  });

  it("quotes each example verbatim", () => {
    for (const [, path = "", body] of quotes)
      expect(body, `${path} changed: copy it into ${doc}`).toBe(read(path));
  });

  it("has no other TypeScript blocks: code in the docs is code the tests run", () => {
    expect(read(doc).match(/^```ts$/gm)?.length ?? 0).toBe(quotes.length);
  });
});
