/**
 * One measuring process: sets up every case, runs them interleaved, and prints one JSON line on
 * stdout (progress goes to stderr). `bench/main.ts` spawns several of these and aggregates.
 *
 *   node bench/child.ts [--rounds N] [--slice-ms N] [--only REGEX] [--count]
 *   deno run -A bench/child.ts …   ·   bun bench/child.ts …
 */
/// <reference types="node" />
import process from "node:process";
import { setupCodecs } from "./codecs.ts";
import { type CallCounts, countCalls } from "./count.ts";
import { setupHono } from "./hono.ts";
import { runInterleaved } from "./measure.ts";
import { PAYLOAD_BYTES } from "./payload.ts";
import { countRevocation, type RevocationCounts } from "./revocation.ts";

export interface ChildResult {
  runtime: string;
  payloadBytes: number;
  cases: Record<string, number>;
  tokenBytes: Record<string, number>;
  cookieBytes: Record<string, number>;
  readSetsCookie: Record<string, boolean>;
  skipped: string[];
  calls?: Record<string, CallCounts>;
  revocation?: RevocationCounts | string;
}

export function runtimeName(): string {
  const g = globalThis as { Deno?: { version: { deno: string } }; Bun?: { version: string } };
  if (g.Deno) return `deno ${g.Deno.version.deno}`;
  if (g.Bun) return `bun ${g.Bun.version}`;
  return `node ${process.versions.node}`;
}

function numberArg(name: string, fallback: number): number {
  const at = process.argv.indexOf(name);
  const value = at === -1 ? Number.NaN : Number(process.argv[at + 1]);
  return Number.isFinite(value) && value > 0 ? value : fallback;
}

async function main(): Promise<void> {
  const codecs = await setupCodecs();
  const hono = await setupHono();
  const only = process.argv.indexOf("--only");
  const pattern = only === -1 ? undefined : new RegExp(process.argv[only + 1] ?? "");
  const cases = [...codecs.cases, ...hono.cases].filter((c) => pattern?.test(c.name) ?? true);
  const result: ChildResult = {
    runtime: runtimeName(),
    payloadBytes: PAYLOAD_BYTES,
    cases: {},
    tokenBytes: codecs.tokenBytes,
    cookieBytes: hono.cookieBytes,
    readSetsCookie: hono.readSetsCookie,
    skipped: [...codecs.skipped, ...hono.skipped],
  };
  if (process.argv.includes("--count")) {
    result.calls = await countCalls(cases);
    result.revocation = await countRevocation();
  } else {
    const rounds = numberArg("--rounds", 10);
    const medians = await runInterleaved(cases, { rounds, sliceMs: numberArg("--slice-ms", 100) }, (round) =>
      process.stderr.write(`\r  round ${round}/${rounds}`),
    );
    process.stderr.write("\n");
    result.cases = Object.fromEntries(medians);
  }
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

await main();
