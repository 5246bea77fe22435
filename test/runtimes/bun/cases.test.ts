// `bun test` adapter: Bun resolves "sealed-session" to the sources through the "paths" in the root
// tsconfig.json; the printed [library] line, checked by scripts/runtimes.mjs, proves it.
import { test } from "bun:test";
import { registerCases } from "../cases.ts";
import { loadCases } from "../load.ts";

registerCases(
  "bun",
  import.meta.resolve("sealed-session"),
  await loadCases(new URL("../../cases/", import.meta.url), ".cases.ts"),
  {
    test: (name, fn) => test(name, fn),
    skip: (name) => test.skip(name, () => {}),
  },
);
