// The Deno KV session registry and data store under the real deno binary, on an in-memory Deno.Kv
// (test/kit/deno-kv-state.ts: the registry and data-store kits, the manager kits, key layout, parts,
// writers that share no process). Run by `npm run test:deno-kv` and in the deno runtime run
// (--unstable-kv, DENO_KV_REQUIRED=1), which checks the `[deno-kv]` line against the kit's count.
// Without --unstable-kv (a plain `deno test test/runtimes/deno/`) it registers nothing.

import type { Suite } from "../../harness.ts";
import { denoKvStateConformance } from "../../kit/deno-kv-state.ts";

function required(): boolean {
  try {
    return Deno.env.get("DENO_KV_REQUIRED") === "1";
  } catch {
    return false; // no --allow-env: not the test:deno-kv run
  }
}

if (typeof Deno.openKv !== "function") {
  if (required()) throw new Error("Deno.openKv is missing: run with --unstable-kv");
  console.log("[deno-kv] skipped: needs --unstable-kv (npm run test:deno-kv)");
} else {
  const kv = await Deno.openKv(":memory:");
  let registered = 0;
  const suite: Suite = {
    test: (name, fn) => {
      registered++;
      Deno.test({ name, fn, sanitizeResources: false, sanitizeOps: false });
    },
  };
  denoKvStateConformance(suite, kv, "deno kv");
  console.log(`[deno-kv] deno: ${registered} registry and store tests`);
}
