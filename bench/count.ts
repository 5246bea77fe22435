/**
 * Counts `crypto.subtle` calls per operation: cost on Node tracks awaited subtle calls (~40–50 µs
 * each), so a count explains a median. Only used in a separate `--count` run, never while timing.
 */
import type { Case } from "./measure.ts";

const METHODS = [
  "encrypt",
  "decrypt",
  "sign",
  "verify",
  "digest",
  "importKey",
  "exportKey",
  "deriveKey",
  "deriveBits",
] as const;

type Method = (typeof METHODS)[number];
export type CallCounts = Partial<Record<Method | "total", number>>;

/** Wraps the global `crypto.subtle` methods with counters. Returns `undefined` where they cannot be wrapped. */
export function instrument(): { counts: Record<Method, number> } | undefined {
  const subtle = crypto.subtle as unknown as Record<Method, (...args: unknown[]) => Promise<unknown>>;
  const counts = Object.fromEntries(METHODS.map((m) => [m, 0])) as Record<Method, number>;
  try {
    for (const method of METHODS) {
      const original = subtle[method];
      subtle[method] = function counted(this: unknown, ...args: unknown[]) {
        counts[method]++;
        return original.apply(this, args);
      };
      if (subtle[method] === original) return undefined;
    }
  } catch {
    return undefined;
  }
  return { counts };
}

/** Average subtle calls per op of each case, over `ops` ops after one warm-up op. */
export async function countCalls(cases: readonly Case[], ops = 20): Promise<Record<string, CallCounts>> {
  const probe = instrument();
  if (!probe) return {};
  const result: Record<string, CallCounts> = {};
  for (const c of cases) {
    // Warm caches the way the timed runs do (two ops: the manager chain alternates two managers).
    await c.run();
    await c.run();
    for (const m of METHODS) probe.counts[m] = 0;
    for (let i = 0; i < ops; i++) await c.run();
    const perOp: CallCounts = {};
    let total = 0;
    for (const m of METHODS) {
      if (probe.counts[m] > 0) perOp[m] = probe.counts[m] / ops;
      total += probe.counts[m];
    }
    perOp.total = total / ops;
    result[c.name] = perOp;
  }
  return result;
}
