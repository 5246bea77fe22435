// Layers run one way (docs: DESIGN.md "Layers"): sessions use tokens, never the reverse. The token
// code reaches a Session only through the TokenSource interface it declares itself.
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const folder = new URL("../../src/token/", import.meta.url);
const ABOVE = /^\.\.\/(session|hono|workers)\//;

describe("src/token", () => {
  it("imports nothing from the layers above it (session, hono, workers), not even types", () => {
    const upward: string[] = [];
    for (const file of readdirSync(folder).filter((name) => name.endsWith(".ts"))) {
      const source = readFileSync(new URL(file, folder), "utf8");
      for (const [, specifier] of source.matchAll(/(?:from|import)\s*\(?\s*"([^"]+)"/g)) {
        if (ABOVE.test(specifier!)) upward.push(`${file} → ${specifier}`);
      }
    }
    expect(upward).toEqual([]);
  });
});
