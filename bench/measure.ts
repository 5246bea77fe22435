/**
 * Interleaved measurement on top of mitata's `measure`. mitata times one benchmark to completion
 * before the next, so a burst of background load lands on whichever case was running. Here every
 * round runs a short mitata slice of every case, in a fresh random order, and each case's samples
 * are pooled across rounds: all cases sample the same noise, and the medians can be compared.
 */
import { measure } from "mitata";

export interface Case {
  readonly name: string;
  /** One operation. Must be repeatable forever (chains carry their own state). */
  readonly run: () => Promise<unknown>;
}

export interface Plan {
  readonly rounds: number;
  /** Time budget of one case's slice in one round. */
  readonly sliceMs: number;
}

function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Runs every case in interleaved rounds; returns each case's median in µs. */
export async function runInterleaved(
  cases: readonly Case[],
  plan: Plan,
  progress?: (round: number) => void,
): Promise<Map<string, number>> {
  const samples = new Map<string, number[]>(cases.map((c) => [c.name, []]));
  for (let round = 0; round < plan.rounds; round++) {
    for (const c of shuffle([...cases])) {
      const stats = await measure(c.run, {
        gc: false, // mitata's fallback "gc" allocates 1 GiB; pooled medians do not need it
        min_samples: 4,
        max_samples: 100_000,
        min_cpu_time: plan.sliceMs * 1e6,
        warmup_samples: 1,
        // Ops under 65 µs are timed in batches of 8 (mitata's default of 4096 would be one slice).
        batch_samples: 8,
        batch_unroll: 1,
      });
      samples.get(c.name)!.push(...stats.samples);
    }
    progress?.(round + 1);
  }
  return new Map([...samples].map(([name, values]) => [name, median(values) / 1000]));
}
