// Prints how many case files and tests exist (JSON), so scripts/runtimes.mjs can check that every
// runtime registered all of them, and how many tests the Redis kit registers per client (the
// runtimes that run it must register that many for each of their clients). Run with Node 24 and register.mjs.
import { redisTestCount } from "../../kit/redis.ts";
import { loadCases } from "../load.ts";

const modules = await loadCases(new URL("../../cases/", import.meta.url), ".cases.ts");
let tests = 0;
for (const module of modules.values()) module.default({ test: () => void tests++ });
console.log(JSON.stringify({ files: modules.size, tests, redisPerClient: redisTestCount() }));
