// node:test adapter for the oldest supported Node. Node 20 cannot run TypeScript, so run.mjs
// compiles the case files and this adapter to JavaScript first, and "sealed-session" resolves to the
// built package (dist/) through the package's own "exports", as it would for a user.
import { test } from "node:test";
import { registerCases } from "../cases.ts";
import { loadCases } from "../load.ts";

registerCases(
  "node20",
  import.meta.resolve("sealed-session"),
  await loadCases(new URL("../../cases/", import.meta.url), ".cases.js"),
  {
    test: (name, fn) => test(name, fn),
    skip: (name, reason) => test(name, { skip: reason }),
  },
);
