// `deno test` adapter: the import map in deno.json points "sealed-session" at the sources; npm
// packages come from the project's node_modules.
import { registerCases } from "../cases.ts";
import { loadCases } from "../load.ts";

registerCases(
  "deno",
  import.meta.resolve("sealed-session"),
  await loadCases(new URL("../../cases/", import.meta.url), ".cases.ts"),
  {
    test: (name, fn) => Deno.test(name, fn),
    skip: (name) => Deno.test({ name, ignore: true, fn() {} }),
  },
);
