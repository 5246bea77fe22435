/**
 * The one piece every runtime adapter shares: register every case file's tests on the runner at
 * hand, apply that runtime's skip list out loud, and print what ran where. Adapters only say how
 * to find the case modules and how their runner spells `test` and `skip`.
 */
import type { Cases, TestFn } from "../harness.ts";
import { type RuntimeId, SKIPS } from "./skips.ts";

export interface CaseModule {
  readonly default: Cases;
}

export interface Runner {
  test(name: string, fn: TestFn): void;
  skip(name: string, reason: string): void;
}

/** Separates a case file from a test name, in test names and skip keys. */
const SEP = " › ";

/**
 * Registers the tests of `modules` (file name → module) and prints the lines scripts/runtimes.mjs
 * checks: the real runtime, where "sealed-session" resolved (`library`), and how many tests.
 */
export function registerCases(
  runtime: RuntimeId,
  library: string,
  modules: ReadonlyMap<string, CaseModule>,
  runner: Runner,
): void {
  console.log(`[runtime] ${runtime}: ${describeRuntime()}`);
  // The last two segments say enough: "src/index.ts" (sources) or "dist/index.js" (built package).
  console.log(`[library] ${runtime}: ${library.split("/").slice(-2).join("/")}`);
  const skips = SKIPS[runtime];
  const used = new Set<string>();
  const files = [...modules.keys()].sort();
  let registered = 0;
  let skipped = 0;
  for (const file of files) {
    const cases = modules.get(file)?.default;
    if (typeof cases !== "function") throw new Error(`${file} has no default export (see test/harness.ts)`);
    cases({
      test(name, fn) {
        const full = `${file}${SEP}${name}`;
        const key = full in skips ? full : file in skips ? file : undefined;
        registered++;
        if (key === undefined) return runner.test(full, fn);
        used.add(key);
        skipped++;
        console.log(`[skip] ${runtime}: ${full} (${skips[key]})`);
        runner.skip(full, skips[key] ?? "");
      },
    });
  }
  const stale = Object.keys(skips).filter((key) => !used.has(key));
  if (stale.length > 0)
    throw new Error(`skip list for ${runtime} names cases that do not exist: ${stale.join("; ")}`);
  console.log(`[cases] ${runtime}: ${registered} tests from ${files.length} files, ${skipped} skipped`);
}

/** Name and version of the runtime this code is really running on, from its own globals. */
export function describeRuntime(): string {
  const g = globalThis as {
    Deno?: { version: { deno: string; v8: string } };
    Bun?: { version: string };
    process?: { versions?: { node?: string } };
    navigator?: { userAgent?: string };
  };
  if (g.Deno) return `deno ${g.Deno.version.deno} (v8 ${g.Deno.version.v8})`;
  if (g.Bun) return `bun ${g.Bun.version}`;
  if (g.navigator?.userAgent === "Cloudflare-Workers") return "workerd (Cloudflare-Workers)";
  if (g.process?.versions?.node) return `node ${g.process.versions.node}`;
  return "unknown";
}
