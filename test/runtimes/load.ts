/**
 * Finds and imports every case file in a folder. Uses `node:fs`, which Node, Deno and Bun all
 * provide, so each adapter picks up new case files without edits. (workerd has no file system:
 * its adapter uses `import.meta.glob` instead.)
 */
import { readdirSync } from "node:fs";
import type { CaseModule } from "./cases.ts";

export async function loadCases(folder: URL, suffix: string): Promise<Map<string, CaseModule>> {
  const names = readdirSync(folder)
    .filter((name) => name.endsWith(suffix))
    .sort();
  if (names.length === 0) throw new Error(`no *${suffix} files in ${folder.pathname}`);
  const modules = new Map<string, CaseModule>();
  for (const name of names) {
    const module: CaseModule = await import(new URL(name, folder).href);
    // Skip keys and test names always use the source name, whatever the runtime loaded.
    modules.set(name.replace(/\.js$/, ".ts"), module);
  }
  return modules;
}
