// node:test adapter on Node 24, running the TypeScript sources (see register.mjs).
import { test } from "node:test";
import { registerCases } from "../cases.ts";
import { loadCases } from "../load.ts";

registerCases(
  "node-test",
  import.meta.resolve("sealed-session"),
  await loadCases(new URL("../../cases/", import.meta.url), ".cases.ts"),
  {
    test: (name, fn) => test(name, fn),
    skip: (name, reason) => test(name, { skip: reason }),
  },
);
