// Every runtime-neutral case, inside workerd (vitest "workers" project). workerd has no file
// system, so Vite's import.meta.glob finds the case files at build time; new files are picked up.
import { it } from "vitest";
import { type CaseModule, registerCases } from "../runtimes/cases.ts";

const found = import.meta.glob<CaseModule>("../cases/*.cases.ts", { eager: true });
const modules = new Map(
  Object.entries(found).map(([path, module]) => [path.slice("../cases/".length), module]),
);

// vitest's alias (vitest.config.ts) maps "sealed-session" to the sources here.
registerCases("workerd", "src/index.ts", modules, {
  test: (name, fn) => it(name, fn),
  skip: (name) => it.skip(name, () => {}),
});
