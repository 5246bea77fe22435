import { readdirSync, readFileSync } from "node:fs";
import { expect, it } from "vitest";

// Every code block in the README and docs/ that starts with `// examples/<file>` must be that file,
// verbatim: the examples are run or typechecked by their own tests, so the docs show working code.
const root = new URL("../../", import.meta.url);
const pages = ["README.md", ...readdirSync(new URL("docs/", root)).map((name) => `docs/${name}`)].filter(
  (page) => page.endsWith(".md"),
);

const quoted = pages.flatMap((page) => {
  const text = readFileSync(new URL(page, root), "utf8");
  return [...text.matchAll(/```(?:ts|js|tsx)\n\/\/ (examples\/[\w./-]+)\n([\s\S]*?)```/g)].map((match) => ({
    page,
    file: match[1]!,
    body: match[2]!,
  }));
});

it("the README quotes the quick start", () => {
  expect(quoted.some((quote) => quote.page === "README.md" && quote.file === "examples/quick-start.ts")).toBe(
    true,
  );
});

it.each(quoted)("$page quotes $file verbatim", ({ file, body }) => {
  const source = readFileSync(new URL(file, root), "utf8");
  expect(body.trim()).toBe(source.trim());
});
