/**
 * `npm run bench:workerd [-- --json out.json] [--docs]` (= `npm run bench -- --runtime workerd`): a
 * registry check and a store-backed request beside the stateless cookie path, in workerd, with the
 * library's real Durable Objects (issues 13 and 14).
 *
 * - bench/workerd/worker.ts is bundled (esbuild) and run in miniflare's workerd with SessionRegistry,
 *   SessionDataStore and a no-op class bound as SQLite-backed Durable Objects (their files on a tmpfs
 *   unless `--disk`). Everything — Worker and objects — runs in one workerd process.
 * - A case is one request's `load` + `commit`. Each batch runs one case in a loop, inside one HTTP
 *   request, for `--slice-ms` on the Worker's clock. Two figures per batch, both per request:
 *   - CPU: the workerd process's CPU time across the batch (every thread's
 *     /proc/<pid>/task/<tid>/schedstat, in ns), less an empty request's (the `none` case, median),
 *     ÷ requests;
 *   - wall: the Worker's own `performance.now()` across the loop ÷ requests (whole ms; a local
 *     workerd clock runs during CPU work — checked at start-up).
 *   Ratios are taken from CPU (from wall where /proc is missing): on a loaded machine the wall clock
 *   also measures the scheduler; both sets are reported.
 * - Interleaved rounds: each round runs one batch of every case (and `none`) in a fresh random order;
 *   a case's figure is the median over rounds. `--runs` workerd processes one after another (default
 *   3); each ratio is taken inside one process, then their median is reported.
 * - A last, untimed workerd process counts Durable Object calls and crypto.subtle calls per request.
 *
 *   --runs N --rounds N --slice-ms N   (defaults 3, 30, 50)
 *   --only REGEX                       time only matching cases (ratios that need others drop out)
 *   --disk                             the objects' SQLite files in os.tmpdir(), as miniflare does
 *   --pool N                           cold cookies per cold case (default 4,200: more than a token
 *                                      cache holds; fewer are not all cold — for smoke tests)
 *   --json FILE                        also write the results there
 *   --docs                             also put the table into docs/performance.md (bench:workerd markers)
 */
/// <reference types="node" />
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath, pathToFileURL } from "node:url";
import { median } from "../measure.ts";
import { PAYLOAD_BYTES } from "../payload.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));
const entry = fileURLToPath(new URL("./worker.ts", import.meta.url));

/** What this harness uses of miniflare (wrangler's own copy, so its version matches wrangler's). */
interface MiniflareLike {
  ready: Promise<URL>;
  dispatchFetch(
    url: string,
    init?: { method?: string },
  ): Promise<{ json(): Promise<unknown>; status: number; text(): Promise<string> }>;
  dispose(): Promise<void>;
}
interface MiniflareModule {
  Miniflare: new (options: unknown) => MiniflareLike;
  convertV4MiniflareOptions(options: unknown): unknown;
}
interface EsbuildModule {
  build(options: Record<string, unknown>): Promise<{ outputFiles: { text: string }[] }>;
}

// miniflare and esbuild come with wrangler (a devDependency): resolve them from wrangler's location.
const fromWrangler = createRequire(createRequire(import.meta.url).resolve("wrangler/package.json"));
const load = async <T>(name: string) => (await import(pathToFileURL(fromWrangler.resolve(name)).href)) as T;

function arg(name: string): string | undefined {
  const at = process.argv.indexOf(name);
  return at === -1 ? undefined : process.argv[at + 1];
}

async function bundle(): Promise<string> {
  const esbuild = await load<EsbuildModule>("esbuild");
  const result = await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    format: "esm",
    platform: "neutral",
    target: "es2023",
    conditions: ["workerd", "worker", "browser"],
    mainFields: ["module", "main"],
    external: ["cloudflare:*"],
    write: false,
    logLevel: "error",
  });
  return result.outputFiles[0]!.text;
}

/**
 * Where the objects' SQLite files live. Miniflare keeps them on disk (as wrangler dev does); its
 * in-memory storage has no SQLite. By default they go to a tmpfs (/dev/shm) when there is one, so a
 * write's fsync does not time this machine's disk; `--disk` keeps miniflare's default (os.tmpdir()).
 */
function storageDir(disk: boolean): string {
  const base = !disk && existsSync("/dev/shm") ? "/dev/shm" : os.tmpdir();
  return mkdtempSync(join(base, "sealed-session-bench-"));
}

async function start(script: string, dir: string): Promise<MiniflareLike> {
  const { Miniflare, convertV4MiniflareOptions } = await load<MiniflareModule>("miniflare");
  const durable = (className: string) => ({ className, useSQLite: true });
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      modules: true,
      script,
      compatibilityDate: "2026-11-01",
      resourcePersistencePath: dir,
      durableObjects: {
        SESSION_REGISTRY: durable("SessionRegistry"),
        SESSION_DATA: durable("SessionDataStore"),
        BENCH_NOOP: durable("BenchNoop"),
      },
    }),
  );
  await mf.ready;
  return mf;
}

async function call<T>(mf: MiniflareLike, path: string, method = "GET"): Promise<T> {
  const response = await mf.dispatchFetch(`http://bench${path}`, { method });
  if (response.status !== 200) throw new Error(`${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

/** The workerd process miniflare started for this run: this process's newest workerd child. */
function workerdPid(): number | undefined {
  if (!existsSync("/proc/self/task")) return undefined;
  let found: { pid: number; started: number } | undefined;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      // After "pid (comm) ": state, ppid, …; starttime is the 22nd field of the whole line.
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const started = Number(fields[19]);
      if (
        Number(fields[1]) === process.pid &&
        readFileSync(`/proc/${entry}/comm`, "utf8").trim() === "workerd" &&
        (found === undefined || started > found.started)
      ) {
        found = { pid: Number(entry), started };
      }
    } catch {
      // A process that ended meanwhile.
    }
  }
  return found?.pid;
}

/** CPU time of every thread of `pid` so far, in ns (Linux schedstat: nanosecond resolution). */
function cpuNs(pid: number): number {
  let total = 0;
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    try {
      total += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, "utf8").split(" ")[0]);
    } catch {
      // A thread that ended meanwhile: its time is gone from the sum either way.
    }
  }
  return total;
}

interface RunResult {
  /** µs per request, median over rounds: CPU of the workerd process (absent without /proc) and wall. */
  cpu: Record<string, number>;
  wall: Record<string, number>;
  cookieBytes: Record<string, number>;
  pool: number;
  /** A request that runs nothing: Node → workerd → Node wall time, and workerd's CPU for it (µs). */
  dispatchUs: number;
  dispatchCpuUs: number | undefined;
  clockMs: number;
}

async function measureRun(
  script: string,
  disk: boolean,
  rounds: number,
  sliceMs: number,
  only: RegExp | undefined,
  pool: number | undefined,
): Promise<RunResult> {
  const dir = storageDir(disk);
  const mf = await start(script, dir);
  try {
    const pid = workerdPid();
    const cpu = () => (pid === undefined ? 0 : cpuNs(pid));
    const clock = await call<{ cpuMs: number }>(mf, "/clock");
    if (!(clock.cpuMs > 0)) {
      throw new Error(
        "performance.now() did not move during 20M loop iterations in this workerd: its clock only " +
          "advances on I/O here, so in-Worker timing cannot work (see docs/performance.md, workerd)",
      );
    }
    const setup = await call<{ cases: string[]; cookieBytes: Record<string, number>; pool: number }>(
      mf,
      `/setup${pool === undefined ? "" : `?pool=${pool}`}`,
      "POST",
    );
    const names = setup.cases.filter((name) => only?.test(name) ?? true);
    type Sample = { ops: number; ms: number; cpuNs: number; wallUs: number };
    const samples = new Map<string, Sample[]>([...names, "none"].map((name) => [name, []]));
    const batch = async (name: string, ms: number): Promise<Sample> => {
      const c0 = cpu();
      const t0 = process.hrtime.bigint();
      const { ops, ms: elapsed } = await call<{ ops: number; ms: number }>(
        mf,
        `/batch?case=${name}&ms=${ms}`,
      );
      const wallUs = Number(process.hrtime.bigint() - t0) / 1000;
      return { ops, ms: elapsed, cpuNs: cpu() - c0, wallUs };
    };
    // Warm-up: keys derived, objects started, token caches filled, code compiled.
    for (const name of names) await batch(name, sliceMs);
    for (let round = 0; round < rounds; round++) {
      for (const name of shuffle([...names, "none"])) samples.get(name)!.push(await batch(name, sliceMs));
      process.stderr.write(`\r  round ${round + 1}/${rounds}`);
    }
    process.stderr.write("\n");
    const none = samples.get("none")!;
    // What workerd spends on the request itself (routing, JSON), taken off every batch's CPU.
    const overheadNs = median(none.map((s) => s.cpuNs));
    const wall: Record<string, number> = {};
    const cpuUs: Record<string, number> = {};
    for (const name of names) {
      const got = samples.get(name)!;
      wall[name] = median(got.map((s) => (s.ms * 1000) / s.ops));
      if (pid !== undefined) cpuUs[name] = median(got.map((s) => (s.cpuNs - overheadNs) / 1000 / s.ops));
    }
    return {
      cpu: cpuUs,
      wall,
      cookieBytes: setup.cookieBytes,
      pool: setup.pool,
      dispatchUs: median(none.map((s) => s.wallUs)),
      dispatchCpuUs: pid === undefined ? undefined : overheadNs / 1000,
      clockMs: clock.cpuMs,
    };
  } finally {
    await mf.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}

function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

type Counts = Record<string, { do: Record<string, number>; subtle: Record<string, number> | null }>;

async function countRun(script: string, disk: boolean): Promise<Counts> {
  const dir = storageDir(disk);
  const mf = await start(script, dir);
  try {
    return await call<Counts>(mf, "/count?ops=20");
  } finally {
    await mf.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}

const div = (a: number | undefined, b: number | undefined) =>
  a === undefined || b === undefined || b === 0 ? undefined : a / b;
const minus = (a: number | undefined, b: number | undefined) =>
  a === undefined || b === undefined ? undefined : a - b;

interface RatioDef {
  readonly key: string;
  readonly of: (c: Record<string, number>) => number | undefined;
  readonly note: string;
}

/** No issue sets a goal for these: they are reported, not judged. */
export const RATIOS: readonly RatioDef[] = [
  {
    key: "registry_check_over_stateless",
    of: (c) => div(c.registry_check_warm, c.stateless_warm),
    note: "checkEvery 0 (one DO call) ÷ stateless, warm cookie",
  },
  {
    key: "registry_check_cold_over_stateless_cold",
    of: (c) => div(c.registry_check_cold, c.stateless_cold),
    note: "checkEvery 0 ÷ stateless, a cookie this isolate never saw",
  },
  {
    key: "registry_cached_over_stateless",
    of: (c) => div(c.registry_cached_warm, c.stateless_warm),
    note: "checkEvery 30, inside the interval (no DO call) ÷ stateless, warm",
  },
  {
    key: "registry_check_extra_over_noop_rpc",
    of: (c) => div(minus(c.registry_check_warm, c.stateless_warm), c.noop_rpc),
    note: "(check − stateless) ÷ a no-op DO call: the check's extra in bare RPCs",
  },
  {
    key: "store_read_over_cookie",
    of: (c) => div(c.store_read, c.stateless_warm),
    note: "stored session, unchanged (1 DO read) ÷ cookie session, unchanged",
  },
  {
    key: "store_write_over_cookie",
    of: (c) => div(c.store_write, c.cookie_write),
    note: "stored session, changed (read + patch; the cookie is left) ÷ cookie session, changed",
  },
  {
    key: "store_refresh_over_cookie",
    of: (c) => div(c.store_refresh, c.cookie_refresh),
    note: "stored session, idle refresh (read + touch + cookie) ÷ cookie refresh",
  },
  {
    key: "store_read_extra_over_noop_rpc",
    of: (c) => div(minus(c.store_read, c.stateless_warm), c.noop_rpc),
    note: "(store read − cookie) ÷ a no-op DO call",
  },
  {
    key: "stateless_cold_over_warm",
    of: (c) => div(c.stateless_cold, c.stateless_warm),
    note: "stateless: unseen cookie (one decryption) ÷ token cache hit",
  },
];

const ROWS: readonly [string, string, string | undefined][] = [
  ["stateless_warm", "stateless, warm (token cache hit)", undefined],
  ["stateless_cold", "stateless, cold (unseen cookie)", undefined],
  ["registry_check_warm", "registry checkEvery 0, warm", "stateless_warm"],
  ["registry_check_cold", "registry checkEvery 0, cold", "stateless_cold"],
  ["registry_cached_warm", "registry checkEvery 30, warm", "stateless_warm"],
  ["store_read", "store, unchanged", "stateless_warm"],
  ["cookie_write", "cookie, changed", undefined],
  ["store_write", "store, changed", "cookie_write"],
  ["cookie_refresh", "cookie, idle refresh", undefined],
  ["store_refresh", "store, idle refresh", "cookie_refresh"],
  ["noop_rpc", "a no-op DO call (alone)", undefined],
];

interface Report {
  runtime: string;
  machine: { cpus: number; cpu: string; os: string; parent: string; date: string; loadavg: number[] };
  runs: number;
  rounds: number;
  slice_ms: number;
  payload_bytes: number;
  /** Cookies each cold case cycles through (more than a token cache holds: every load misses). */
  cold_pool: number;
  /** Durable Object storage: SQLite files on a tmpfs, or on disk (`--disk`). */
  storage: string;
  /** What `ratios` are taken from: workerd's CPU time, or the Worker's clock where CPU is not readable. */
  basis: "cpu" | "wall";
  cases: Record<string, { cpu_us?: number; cpu_runs_us?: number[]; wall_us: number; wall_runs_us: number[] }>;
  ratios: Record<string, number>;
  ratio_runs: Record<string, number[]>;
  ratios_wall: Record<string, number>;
  ratio_runs_wall: Record<string, number[]>;
  do_calls: Record<string, Record<string, number>>;
  subtle_calls: Record<string, Record<string, number>>;
  cookie_bytes: Record<string, number>;
  dispatch: { wall_us: number; wall_runs_us: number[]; cpu_us?: number };
  clock_check_ms: number[];
  command: string;
}

const fmt = (n: number | undefined, digits = 1) => (n === undefined ? "—" : n.toFixed(digits));
const calls = (counts: Record<string, number> | undefined) =>
  counts === undefined
    ? "—"
    : Object.entries(counts)
        .map(([key, n]) => `${n === 1 ? "" : `${n}× `}${key}`)
        .join(" + ") || "0";

function table(report: Report): string {
  const cpu = (name: string) => report.cases[name]?.cpu_us;
  const wall = (name: string) => report.cases[name]?.wall_us;
  const lines = [
    `sealed-session bench · ${report.runtime} · ${report.machine.cpus}× ${report.machine.cpu} · ` +
      `${report.runs} runs × ${report.rounds} rounds × ${report.slice_ms} ms · payload ${report.payload_bytes} B JSON · ` +
      `objects on ${report.storage} · load ${report.machine.loadavg.join(" → ")}`,
    "",
    "Requests in workerd (µs per request = load + commit, median; CPU = the workerd process, all threads,",
    "Worker and Durable Objects; wall = the Worker's own clock)",
    `${"".padEnd(34)}${"CPU".padStart(8)}${"÷ cookie".padStart(10)}${"wall".padStart(9)}${"÷ cookie".padStart(10)}  ` +
      `${"DO calls / request".padEnd(28)}subtle / request`,
  ];
  for (const [name, label, base] of ROWS) {
    if (wall(name) === undefined) continue;
    const subtle = report.subtle_calls[name];
    const vs = (of: (n: string) => number | undefined) => (base ? fmt(div(of(name), of(base)), 2) : "");
    lines.push(
      `${label.padEnd(34)}${fmt(cpu(name)).padStart(8)}${vs(cpu).padStart(10)}${fmt(wall(name)).padStart(9)}` +
        `${vs(wall).padStart(10)}  ${calls(report.do_calls[name]).padEnd(28)}${subtle ? calls(subtle) : "—"}`,
    );
  }
  const ratioLines = (title: string, values: Record<string, number>, runs: Record<string, number[]>) => {
    lines.push("", title);
    for (const def of RATIOS) {
      const value = values[def.key];
      if (value === undefined) continue;
      const each = (runs[def.key] ?? []).map((v) => fmt(v, 2)).join(" ");
      lines.push(`  ${def.key.padEnd(40)}${fmt(value, 2).padStart(7)}  [${each}]  ${def.note}`);
    }
  };
  ratioLines(
    `Ratios, from ${report.basis === "cpu" ? "CPU time" : "the Worker's clock"} (median of per-run ratios; each run in brackets)`,
    report.ratios,
    report.ratio_runs,
  );
  if (report.basis === "cpu") {
    ratioLines(
      "The same from the Worker's clock (wall; moves with the machine's load)",
      report.ratios_wall,
      report.ratio_runs_wall,
    );
  }
  lines.push(
    "",
    `Cookie value bytes: cookie session ${report.cookie_bytes.cookie}, registered ${report.cookie_bytes.registered}, ` +
      `stored (pointer only) ${report.cookie_bytes.store}`,
    `Not in the figures: an empty request from Node (miniflare dispatchFetch) takes ${fmt(report.dispatch.wall_us)} µs ` +
      `wall [${report.dispatch.wall_runs_us.map((v) => fmt(v)).join(" ")}]` +
      (report.dispatch.cpu_us === undefined ? "" : ` and ${fmt(report.dispatch.cpu_us)} µs of workerd CPU`),
    `Clock check: 20M loop iterations with no I/O read ${report.clock_check_ms.join(", ")} ms on the Worker's ` +
      "performance.now() (0 would mean a clock frozen between I/O, and the run would have stopped)",
  );
  return lines.join("\n");
}

function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** Each case's median over runs, with every run's figure. */
function casesOf(results: readonly RunResult[], of: (r: RunResult) => Record<string, number>) {
  const out: Record<string, { median: number; runs: number[] }> = {};
  for (const name of new Set(results.flatMap((r) => Object.keys(of(r))))) {
    const values = results.map((r) => of(r)[name]).filter((v): v is number => v !== undefined);
    out[name] = { median: round(median(values)), runs: values.map((v) => round(v)) };
  }
  return out;
}

/** Each ratio inside each run, then the median over runs. */
function ratiosOf(results: readonly RunResult[], of: (r: RunResult) => Record<string, number>) {
  const values: Record<string, number> = {};
  const runs: Record<string, number[]> = {};
  for (const def of RATIOS) {
    const each = results.map((r) => def.of(of(r))).filter((v): v is number => v !== undefined);
    if (each.length === 0) continue;
    values[def.key] = round(median(each), 3);
    runs[def.key] = each.map((v) => round(v, 3));
  }
  return { values, runs };
}

export async function main(): Promise<void> {
  const runs = Math.max(1, Number(arg("--runs") ?? 3));
  const rounds = Math.max(1, Number(arg("--rounds") ?? 30));
  const sliceMs = Math.max(1, Number(arg("--slice-ms") ?? 50));
  const onlyArg = arg("--only");
  const only = onlyArg === undefined ? undefined : new RegExp(onlyArg);
  const jsonPath = arg("--json");
  const disk = process.argv.includes("--disk");
  const poolArg = arg("--pool");
  const pool = poolArg === undefined ? undefined : Math.max(1, Number(poolArg));
  const loadBefore = os.loadavg()[0]!;
  process.stderr.write("workerd: bundling bench/workerd/worker.ts\n");
  const script = await bundle();
  const results: RunResult[] = [];
  for (let i = 0; i < runs; i++) {
    process.stderr.write(`workerd run ${i + 1}/${runs}\n`);
    results.push(await measureRun(script, disk, rounds, sliceMs, only, pool));
  }
  process.stderr.write("workerd: counting Durable Object and crypto.subtle calls\n");
  const counts = await countRun(script, disk);

  const basis = results.every((r) => Object.keys(r.cpu).length > 0) ? "cpu" : "wall";
  const cpuCases = casesOf(results, (r) => r.cpu);
  const wallCases = casesOf(results, (r) => r.wall);
  const cases: Report["cases"] = {};
  for (const [name, w] of Object.entries(wallCases)) {
    const c = basis === "cpu" ? cpuCases[name] : undefined;
    cases[name] = {
      ...(c ? { cpu_us: c.median, cpu_runs_us: c.runs } : {}),
      wall_us: w.median,
      wall_runs_us: w.runs,
    };
  }
  const byBasis = ratiosOf(results, (r) => (basis === "cpu" ? r.cpu : r.wall));
  const byWall = ratiosOf(results, (r) => r.wall);
  const { version } = createRequire(import.meta.url)(fromWrangler.resolve("miniflare/package.json")) as {
    version: string;
  };
  const cpuOverhead = results.map((r) => r.dispatchCpuUs).filter((v): v is number => v !== undefined);
  const report: Report = {
    runtime: `workerd (miniflare ${version})`,
    machine: {
      cpus: os.availableParallelism(),
      cpu: os.cpus()[0]?.model.trim() ?? "unknown",
      os: `${os.type()} ${os.release()}`,
      parent: `node ${process.versions.node}`,
      date: new Date().toISOString(),
      loadavg: [round(loadBefore), round(os.loadavg()[0]!)],
    },
    runs,
    rounds,
    slice_ms: sliceMs,
    payload_bytes: PAYLOAD_BYTES,
    cold_pool: results[0]!.pool,
    storage: !disk && existsSync("/dev/shm") ? "tmpfs" : "disk",
    basis,
    cases,
    ratios: byBasis.values,
    ratio_runs: byBasis.runs,
    ratios_wall: byWall.values,
    ratio_runs_wall: byWall.runs,
    do_calls: Object.fromEntries(Object.entries(counts).map(([name, c]) => [name, c.do])),
    subtle_calls: Object.fromEntries(
      Object.entries(counts).flatMap(([name, c]) => (c.subtle ? [[name, c.subtle]] : [])),
    ),
    cookie_bytes: results[0]!.cookieBytes,
    dispatch: {
      wall_us: round(median(results.map((r) => r.dispatchUs))),
      wall_runs_us: results.map((r) => round(r.dispatchUs)),
      ...(cpuOverhead.length > 0 ? { cpu_us: round(median(cpuOverhead)) } : {}),
    },
    clock_check_ms: results.map((r) => r.clockMs),
    command: `npm run bench:workerd${disk ? " -- --disk" : ""}`,
  };
  const text = table(report);
  process.stdout.write(`${text}\n`);
  if (process.argv.includes("--docs")) writeDocs(report, text);
  if (jsonPath) {
    writeFileSync(jsonPath, `${JSON.stringify(report, null, 2)}\n`);
    process.stderr.write(`wrote ${jsonPath}\n`);
  }
}

/** Replaces what lies between `<!-- <marker> -->` and `<!-- /<marker> -->` in a file of the repository. */
export function replaceBlock(file: string, marker: string, body: string): void {
  const path = `${root}${file}`;
  const doc = readFileSync(path, "utf8");
  const open = `<!-- ${marker} -->`;
  const close = `<!-- /${marker} -->`;
  const start = doc.indexOf(open);
  const end = doc.indexOf(close);
  if (start === -1 || end < start) throw new Error(`${file} has no ${open} … ${close} block`);
  writeFileSync(path, `${doc.slice(0, start)}${open}\n${body}${doc.slice(end)}`);
  process.stderr.write(`updated ${path} (${marker})\n`);
}

/** Columns padded to their widest cell, as the docs' other tables are. */
export function markdownTable(
  head: readonly string[],
  rows: readonly (readonly string[])[],
  right: readonly boolean[],
) {
  const widths = head.map((h, i) => Math.max(h.length, 3, ...rows.map((row) => row[i]!.length)));
  const line = (cells: readonly string[]) =>
    `| ${cells.map((cell, i) => (right[i] ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join(" | ")} |`;
  const rule = `| ${widths.map((w, i) => (right[i] ? `${"-".repeat(w - 1)}:` : "-".repeat(w))).join(" | ")} |`;
  return [line(head), rule, ...rows.map(line)].join("\n");
}

/** The README's short form: µs per request and the ratios to the cookie path. */
function summary(report: Report): string {
  const key = report.basis === "cpu" ? "cpu_us" : "wall_us";
  const us = (name: string) => report.cases[name]?.[key];
  const rows: [string, string, string | undefined][] = [
    ["stateless_warm", "cookie session, unchanged", undefined],
    ["registry_check_warm", "… with a registry, `checkEvery: 0`", "registry_check_over_stateless"],
    [
      "registry_cached_warm",
      "… with a registry, `checkEvery: 30`, inside it",
      "registry_cached_over_stateless",
    ],
    ["store_read", "stored session, unchanged", "store_read_over_cookie"],
    ["cookie_write", "cookie session, changed", undefined],
    ["store_write", "stored session, changed", "store_write_over_cookie"],
    ["cookie_refresh", "cookie session, idle refresh", undefined],
    ["store_refresh", "stored session, idle refresh", "store_refresh_over_cookie"],
  ];
  const table = markdownTable(
    [
      "request (load + commit)",
      `µs (${report.basis === "cpu" ? "CPU" : "wall"})`,
      "÷ cookie path",
      "Durable Object calls",
    ],
    rows
      .filter(([name]) => us(name) !== undefined)
      .map(([name, label, ratio]) => [
        label,
        fmt(us(name)),
        ratio === undefined ? "—" : fmt(report.ratios[ratio], 2),
        calls(report.do_calls[name]).replaceAll("registry.", "").replaceAll("store.", ""),
      ]),
    [false, true, true, false],
  );
  return (
    `\`${report.command}\` on ${report.machine.date.slice(0, 10)}, ${report.runtime}, ${report.machine.cpus}× ` +
    `${report.machine.cpu}, load ${report.machine.loadavg.join(" → ")}; ${report.runs} workerd processes, ` +
    `ratios taken in each, median:\n\n${table}\n`
  );
}

/** The full table into docs/performance.md; the short one into the README. */
function writeDocs(report: Report, text: string): void {
  replaceBlock(
    "docs/performance.md",
    "bench:workerd",
    `\`${report.command}\` on ${report.machine.date.slice(0, 10)}, ${report.machine.cpus}× ${report.machine.cpu}, ` +
      `${report.runtime}:\n\n\`\`\`text\n${text}\n\`\`\`\n`,
  );
  replaceBlock("README.md", "bench:workerd", summary(report));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await main();
