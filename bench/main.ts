/**
 * `npm run bench [-- --json out.json]`: spawns several measuring processes (bench/child.ts) on one
 * runtime, one after another, takes each case's median across them, computes the ratios inside each
 * run (so a ratio never mixes two runs' noise) and reports their median, prints a table, and
 * optionally writes JSON. A last, untimed `--count` process counts crypto.subtle calls and KV ops.
 *
 *   --runtime node|deno|bun   (default node; `npm run bench:deno` / `bench:bun`)
 *   --runtime workerd         registry and store requests in workerd: bench/workerd/main.ts (`npm run bench:workerd`)
 *   --runs N                  processes to aggregate (default 3, at least 3 for published numbers)
 *   --rounds N --slice-ms N   per process: interleaved rounds, ms per case per round (default 10, 100)
 *   --only REGEX              time only the cases whose names match (ratios that need others drop out)
 *   --json FILE               also write the results there
 *   --docs                    also put the table into docs/performance.md (between its bench markers)
 */
/// <reference types="node" />
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import process from "node:process";
import { fileURLToPath } from "node:url";
import type { ChildResult } from "./child.ts";
import { median } from "./measure.ts";

type Runtime = "node" | "deno" | "bun";

const root = fileURLToPath(new URL("..", import.meta.url));
const child = fileURLToPath(new URL("./child.ts", import.meta.url));

function arg(name: string): string | undefined {
  const at = process.argv.indexOf(name);
  return at === -1 ? undefined : process.argv[at + 1];
}

function command(runtime: Runtime): [string, string[]] {
  if (runtime === "deno") return [`${root}node_modules/.bin/deno`, ["run", "-A", child]];
  if (runtime === "bun") return [`${root}node_modules/.bin/bun`, [child]];
  return [process.execPath, [child]];
}

function runChild(runtime: Runtime, extra: string[]): Promise<ChildResult> {
  const [bin, args] = command(runtime);
  return new Promise((resolve, reject) => {
    const proc = spawn(bin, [...args, ...extra], { cwd: root, stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    proc.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
    });
    proc.on("error", reject);
    proc.on("close", (code) => {
      const line = out.trim().split("\n").at(-1) ?? "";
      if (code !== 0 || !line.startsWith("{")) reject(new Error(`${runtime} child exited with ${code}`));
      else resolve(JSON.parse(line) as ChildResult);
    });
  });
}

/** Each ratio: how it is computed from one run, and the issue's goal. */
interface RatioDef {
  readonly key: string;
  readonly of: (r: ChildResult) => number | undefined;
  readonly goal?: { readonly op: "<=" | ">="; readonly value: number };
  readonly note: string;
}

const at = (r: ChildResult, name: string) => r.cases[name];
const overhead = (r: ChildResult, variant: string, path: "write" | "read") => {
  const withMiddleware = at(r, `hono_${variant}_${path}`);
  const bare = at(r, "hono_bare");
  return withMiddleware === undefined || bare === undefined ? undefined : withMiddleware - bare;
};
const div = (a: number | undefined, b: number | undefined) =>
  a === undefined || b === undefined || b === 0 ? undefined : a / b;

export const RATIOS: readonly RatioDef[] = [
  {
    key: "roundtrip_jwe_over_floor",
    of: (r) => div(at(r, "rt_ours_jwe"), at(r, "rt_floor_gcm")),
    goal: { op: "<=", value: 1.3 },
    note: "ours jwe round trip ÷ raw AES-GCM round trip",
  },
  {
    key: "roundtrip_ironsession_over_iron",
    of: (r) => div(at(r, "rt_ironsession"), at(r, "rt_ours_iron")),
    goal: { op: ">=", value: 2.5 },
    note: "iron-session round trip ÷ ours iron",
  },
  {
    key: "hono_write_overhead_over_floor",
    of: (r) => div(overhead(r, "ours", "write"), overhead(r, "floor", "write")),
    goal: { op: "<=", value: 1.2 },
    note: "our write overhead ÷ floor write overhead",
  },
  {
    key: "hono_write_ironsession_over_ours",
    of: (r) => div(overhead(r, "ironsession", "write"), overhead(r, "ours", "write")),
    goal: { op: ">=", value: 4 },
    note: "iron-session write overhead ÷ ours",
  },
  {
    key: "hono_write_honosession_over_ours",
    of: (r) => div(overhead(r, "honosessions", "write"), overhead(r, "ours", "write")),
    goal: { op: ">=", value: 2 },
    note: "hono-sessions write overhead ÷ ours",
  },
  {
    key: "hono_write_honojwe_over_ours",
    of: (r) => div(overhead(r, "honojwe", "write"), overhead(r, "ours", "write")),
    note: "@hono/session write overhead ÷ ours (no goal in the issue)",
  },
  {
    key: "hono_read_overhead_over_floor",
    of: (r) => div(overhead(r, "ours", "read"), overhead(r, "floor", "write")),
    goal: { op: "<=", value: 0.2 },
    note: "our read overhead (unchanged session) ÷ floor WRITE overhead",
  },
  {
    key: "hono_write_cold_overhead_over_floor",
    of: (r) =>
      div(
        r.cases.hono_ours_write_cold === undefined || r.cases.hono_bare === undefined
          ? undefined
          : r.cases.hono_ours_write_cold - r.cases.hono_bare,
        overhead(r, "floor", "write"),
      ),
    note: "our write overhead on a cookie this process never saw ÷ floor",
  },
  {
    key: "roundtrip_jwe_by_hand_over_floor",
    of: (r) => div(at(r, "rt_floor_jwe"), at(r, "rt_floor_gcm")),
    note: "hand-written compact JWE (same format as ours) ÷ floor",
  },
  {
    key: "roundtrip_jose_compact_over_floor",
    of: (r) => div(at(r, "rt_jose_compact"), at(r, "rt_floor_gcm")),
    note: "jose CompactEncrypt/compactDecrypt, same header as ours ÷ floor",
  },
  {
    key: "roundtrip_jose_over_floor",
    of: (r) => div(at(r, "rt_jose_jwt"), at(r, "rt_floor_gcm")),
    note: "jose EncryptJWT/jwtDecrypt with a CryptoKey ÷ floor",
  },
  {
    key: "roundtrip_manager_jwe_over_floor",
    of: (r) => div(at(r, "rt_manager_jwe"), at(r, "rt_floor_gcm")),
    note: "our manager load+commit (fresh cookies) ÷ floor round trip",
  },
  {
    key: "roundtrip_iron_over_cbc_hmac_floor",
    of: (r) => div(at(r, "rt_ours_iron"), at(r, "rt_floor_cbc_hmac")),
    note: "ours iron ÷ raw AES-CBC+HMAC round trip",
  },
  {
    key: "cookie_bytes_jwe",
    of: (r) => r.tokenBytes.manager_jwe,
    goal: { op: "<=", value: 600 },
    note: "our jwe cookie value, full envelope",
  },
  {
    key: "cookie_bytes_iron",
    of: (r) => r.tokenBytes.manager_iron,
    goal: { op: "<=", value: 654 },
    note: "our iron cookie value, full envelope",
  },
  { key: "cookie_bytes_floor", of: (r) => r.cookieBytes.floor, note: "raw AES-GCM cookie value" },
  { key: "cookie_bytes_ironsession", of: (r) => r.cookieBytes.ironsession, note: "iron-session v9" },
  { key: "cookie_bytes_honojwe", of: (r) => r.cookieBytes.honojwe, note: "@hono/session" },
  { key: "cookie_bytes_honosessions", of: (r) => r.cookieBytes.honosessions, note: "hono-sessions" },
];

const fmt = (n: number | undefined, digits = 1) => (n === undefined ? "—" : n.toFixed(digits));
const pad = (s: string, n: number) => s.padEnd(n);
const lpad = (s: string, n: number) => s.padStart(n);

function table(report: Report): string {
  const lines: string[] = [];
  const c = (name: string) => report.cases[name]?.median_us;
  lines.push(
    `sealed-session bench · ${report.runtime} · ${report.machine.cpus}× ${report.machine.cpu} · ` +
      `${report.runs} runs × ${report.rounds} rounds · payload ${report.payload_bytes} B JSON · ` +
      `load ${report.machine.loadavg.join(" → ")}`,
    "",
    "Codecs (µs, median; rt = unseal + seal of a fresh token)",
    `${pad("", 26)}${lpad("seal", 9)}${lpad("unseal", 9)}${lpad("rt", 9)}${lpad("rt÷floor", 10)}${lpad("subtle/rt", 11)}${lpad("token B", 9)}`,
  );
  const codecs: [string, string][] = [
    ["floor_gcm", "floor AES-GCM"],
    ["floor_jwe", "floor compact JWE by hand"],
    ["floor_cbc_hmac", "floor AES-CBC+HMAC"],
    ["ours_jwe", "ours seal/unseal jwe"],
    ["ours_iron", "ours seal/unseal iron"],
    ["manager_jwe", "ours manager jwe"],
    ["manager_iron", "ours manager iron"],
    ["jose_compact", "jose compact JWE"],
    ["jose_jwt", "jose JWT (CryptoKey)"],
    ["ironsession", "iron-session v9"],
    ["hapi_iron", "@hapi/iron"],
    ["honojwe", "@hono/session"],
    ["honosessions", "hono-sessions"],
  ];
  const floorRt = c("rt_floor_gcm");
  for (const [id, label] of codecs) {
    const rt = c(`rt_${id}`);
    if (rt === undefined) continue;
    lines.push(
      `${pad(label, 26)}${lpad(fmt(c(`seal_${id}`)), 9)}${lpad(fmt(c(`unseal_${id}`)), 9)}${lpad(fmt(rt), 9)}` +
        `${lpad(fmt(div(rt, floorRt), 2), 10)}${lpad(fmt(report.subtle_calls[`rt_${id}`]?.total, 1), 11)}` +
        `${lpad(String(report.token_bytes[id] ?? "—"), 9)}`,
    );
  }
  lines.push(
    "",
    "Hono requests (µs per request, median; overhead = app − bare app)",
    `${pad("", 26)}${lpad("write", 9)}${lpad("overhead", 10)}${lpad("÷floor", 8)}${lpad("read", 9)}${lpad("overhead", 10)}${lpad("÷floorW", 9)}${lpad("subtle w/r", 12)}${lpad("cookie B", 10)}  read sets cookie`,
  );
  const bare = c("hono_bare");
  lines.push(`${pad("bare Hono app", 26)}${lpad(fmt(bare), 9)}`);
  const floorWriteUs = c("hono_floor_write");
  const floorWrite = floorWriteUs === undefined || bare === undefined ? undefined : floorWriteUs - bare;
  const variants: [string, string][] = [
    ["ours", "ours (sealed-session/hono)"],
    ["floor", "floor AES-GCM middleware"],
    ["ironsession", "iron-session v9"],
    ["honojwe", "@hono/session"],
    ["honosessions", "hono-sessions"],
  ];
  for (const [id, label] of variants) {
    const write = c(`hono_${id}_write`);
    const read = c(`hono_${id}_read`);
    if (write === undefined || bare === undefined) continue;
    const calls = (path: string) => fmt(report.subtle_calls[`hono_${id}_${path}`]?.total, 0);
    lines.push(
      `${pad(label, 26)}${lpad(fmt(write), 9)}${lpad(fmt(write - bare), 10)}${lpad(fmt(div(write - bare, floorWrite), 2), 8)}` +
        `${lpad(fmt(read), 9)}${lpad(fmt(read === undefined ? undefined : read - bare), 10)}` +
        `${lpad(fmt(div(read === undefined ? undefined : read - bare, floorWrite), 2), 9)}` +
        `${lpad(`${calls("write")}/${calls("read")}`, 12)}${lpad(String(report.cookie_bytes[id] ?? "—"), 10)}  ${
          report.read_sets_cookie[id] === undefined ? "—" : report.read_sets_cookie[id] ? "yes" : "no"
        }`,
    );
  }
  const cold = c("hono_ours_write_cold");
  if (cold !== undefined && bare !== undefined) {
    lines.push(
      `${pad("ours, write, cold cache", 26)}${lpad(fmt(cold), 9)}${lpad(fmt(cold - bare), 10)}${lpad(fmt(div(cold - bare, floorWrite), 2), 8)}` +
        `${lpad("", 28)}${lpad(`${fmt(report.subtle_calls.hono_ours_write_cold?.total, 0)}/—`, 12)}`,
    );
  }
  lines.push("", "Ratios (median of per-run ratios)");
  for (const def of RATIOS) {
    const value = report.ratios[def.key];
    const goal = report.goals[def.key];
    const verdict = goal === undefined ? "" : `${goal.goal}  ${goal.met ? "met" : "MISSED"}`;
    const digits = def.key.startsWith("cookie_bytes") ? 0 : 2;
    lines.push(`  ${pad(def.key, 36)}${lpad(fmt(value, digits), 8)}  ${pad(verdict, 14)} ${def.note}`);
  }
  const rev = report.revocation;
  lines.push(
    "",
    typeof rev === "object"
      ? `Revocation (KV ops, counted): cold request ${rev.coldRequest}, next ${rev.sequentialCount} requests ${rev.sequentialRequests}, ` +
          `logout ${rev.logout}, request after logout ${rev.afterLogout} (${rev.afterLogoutReason ?? "accepted!"})`
      : `Revocation: ${rev ?? "not counted"}`,
  );
  for (const skip of report.skipped) lines.push(`skipped: ${skip}`);
  return lines.join("\n");
}

interface Report {
  runtime: string;
  machine: { cpus: number; cpu: string; os: string; parent: string; date: string; loadavg: number[] };
  runs: number;
  rounds: number;
  payload_bytes: number;
  cases: Record<string, { median_us: number; runs_us: number[] }>;
  ratios: Record<string, number>;
  goals: Record<string, { goal: string; met: boolean }>;
  token_bytes: Record<string, number>;
  cookie_bytes: Record<string, number>;
  read_sets_cookie: Record<string, boolean>;
  subtle_calls: NonNullable<ChildResult["calls"]>;
  revocation: ChildResult["revocation"];
  skipped: string[];
  command: string;
}

async function main(): Promise<void> {
  if (arg("--runtime") === "workerd") {
    // Other cases, its own method and table: see bench/workerd/main.ts.
    const workerd = await import("./workerd/main.ts");
    return workerd.main();
  }
  const runtime = (arg("--runtime") ?? "node") as Runtime;
  if (!["node", "deno", "bun"].includes(runtime)) {
    throw new Error(`unknown --runtime ${runtime} (node, deno, bun or workerd)`);
  }
  const runs = Math.max(1, Number(arg("--runs") ?? 3));
  const rounds = arg("--rounds") ?? "10";
  const sliceMs = arg("--slice-ms") ?? "100";
  const jsonPath = arg("--json");

  const loadBefore = os.loadavg()[0]!;
  const results: ChildResult[] = [];
  for (let i = 0; i < runs; i++) {
    process.stderr.write(`${runtime} run ${i + 1}/${runs}\n`);
    const only = arg("--only");
    results.push(
      await runChild(runtime, ["--rounds", rounds, "--slice-ms", sliceMs, ...(only ? ["--only", only] : [])]),
    );
  }
  process.stderr.write(`${runtime} counting crypto.subtle calls and KV ops\n`);
  const counted = await runChild(runtime, ["--count"]);
  const first = results[0]!;

  const names = [...new Set(results.flatMap((r) => Object.keys(r.cases)))];
  const cases: Report["cases"] = {};
  for (const name of names) {
    const values = results.map((r) => r.cases[name]).filter((v): v is number => v !== undefined);
    cases[name] = { median_us: round(median(values)), runs_us: values.map(round) };
  }
  const ratios: Record<string, number> = {};
  const goals: Report["goals"] = {};
  for (const def of RATIOS) {
    const values = results.map(def.of).filter((v): v is number => v !== undefined && Number.isFinite(v));
    if (values.length === 0) continue;
    ratios[def.key] = round(median(values), 3);
    if (def.goal) {
      const met =
        def.goal.op === "<=" ? ratios[def.key]! <= def.goal.value : ratios[def.key]! >= def.goal.value;
      goals[def.key] = { goal: `${def.goal.op} ${def.goal.value}`, met };
    }
  }
  const report: Report = {
    runtime: first.runtime,
    machine: {
      cpus: os.availableParallelism(),
      cpu: os.cpus()[0]?.model.trim() ?? "unknown",
      os: `${os.type()} ${os.release()}`,
      parent: `node ${process.versions.node}`,
      date: new Date().toISOString(),
      // 1-minute load average before and after: a busy machine makes every absolute number noisy.
      loadavg: [round(loadBefore), round(os.loadavg()[0]!)],
    },
    runs,
    rounds: Number(rounds),
    payload_bytes: first.payloadBytes,
    cases,
    ratios,
    goals,
    token_bytes: first.tokenBytes,
    cookie_bytes: first.cookieBytes,
    read_sets_cookie: first.readSetsCookie,
    subtle_calls: counted.calls ?? {},
    revocation: counted.revocation,
    skipped: [...new Set(results.flatMap((r) => r.skipped))],
    command: `npm run bench${runtime === "node" ? "" : `:${runtime}`}`,
  };
  process.stdout.write(`${table(report)}\n`);
  if (process.argv.includes("--docs")) writeDocs(runtime, report, table(report));
  if (jsonPath) {
    writeFileSync(jsonPath, `${JSON.stringify(report, null, 2)}\n`);
    process.stderr.write(`wrote ${jsonPath}\n`);
  }
}

/**
 * Replaces the block between `<!-- bench:<runtime> -->` and `<!-- /bench:<runtime> -->` in
 * docs/performance.md, and in README.md where it has that block (the Node run's).
 */
function writeDocs(runtime: Runtime, report: Report, text: string): void {
  const open = `<!-- bench:${runtime} -->`;
  const close = `<!-- /bench:${runtime} -->`;
  const block =
    `${open}\n\`${report.command}\` on ${report.machine.date.slice(0, 10)}, ${report.machine.cpus}× ${report.machine.cpu}, ` +
    `${report.runtime}:\n\n\`\`\`text\n${text}\n\`\`\`\n`;
  for (const file of ["docs/performance.md", "README.md"]) {
    const path = `${root}${file}`;
    const doc = readFileSync(path, "utf8");
    const start = doc.indexOf(open);
    const end = doc.indexOf(close);
    if (start === -1 || end < start) {
      if (file === "README.md") continue;
      throw new Error(`${file} has no ${open} … ${close} block`);
    }
    writeFileSync(path, doc.slice(0, start) + block + doc.slice(end));
    process.stderr.write(`updated ${path}\n`);
  }
}

function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

await main();
