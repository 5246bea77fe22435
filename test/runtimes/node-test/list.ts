// Prints how many case files and tests exist (JSON), so scripts/runtimes.mjs can check that every
// runtime registered all of them; how many tests the Redis kits register per client (the runtimes
// that run them must register that many for each of their clients); and how many the Deno KV
// registry and store kit registers (the deno run must). Run with Node 24 and register.mjs.
import { denoKvStateTestCount } from "../../kit/deno-kv-state.ts";
import { loadCases } from "../load.ts";
import { redisTestCount } from "../redis.ts";

const modules = await loadCases(new URL("../../cases/", import.meta.url), ".cases.ts");
let tests = 0;
for (const module of modules.values()) module.default({ test: () => void tests++ });
console.log(
  JSON.stringify({
    files: modules.size,
    tests,
    redisPerClient: redisTestCount(),
    denoKvTests: denoKvStateTestCount(),
  }),
);
