/**
 * Cases a runtime cannot run, with the reason. Keep this short: prefer a portable case.
 * A key is a case file (`core-cookies.cases.ts`) or one test (`core-cookies.cases.ts › its name`).
 * Every skip is printed with its reason, and a key that matches nothing fails the run, so the list
 * cannot rot silently.
 */
export type RuntimeId = "node-test" | "node20" | "deno" | "bun" | "workerd";

export const SKIPS: Record<RuntimeId, Record<string, string>> = {
  "node-test": {},
  node20: {},
  deno: {},
  bun: {},
  workerd: {},
};
