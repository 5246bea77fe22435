// Prints how many case files and tests exist (JSON), so scripts/runtimes.mjs can check that every
// runtime registered all of them. Run with Node 24 and register.mjs.
import { loadCases } from "../load.ts";

const modules = await loadCases(new URL("../../cases/", import.meta.url), ".cases.ts");
let tests = 0;
for (const module of modules.values()) module.default({ test: () => void tests++ });
console.log(JSON.stringify({ files: modules.size, tests }));
