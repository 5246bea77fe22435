/**
 * `npm run bench:express [-- --json out.json] [--docs]`: sealed-session/express against what Express
 * users run today — express-session + connect-redis as the guide sets it up, on a real redis-server
 * — and bare Express, in one Express app (bench/express/server.ts) over loopback HTTP. Ours twice:
 * in cookie mode, and in Redis mode (redisStore, mode "always") on the same redis-server.
 *
 * - Latency at concurrency 1 (one keep-alive connection), in interleaved rounds: each round runs a
 *   slice of every case in a fresh random order, so every case samples the same background noise.
 *   Overhead = median latency of a case − median latency of bare Express, same process.
 * - Server CPU per request: process.cpuUsage() of the server process around each slice (the Redis
 *   server's own CPU is not in it).
 * - Reads (an unchanged session) and writes (a counter moves) are separate cases.
 * - Medians over `--runs` server processes (default 3); ratios are taken inside each run, then
 *   their median is reported, so a ratio never mixes two runs' noise.
 * - Redis commands per request, counted (INFO commandstats around a batch, after a few requests
 *   of the same case, so connections are open as in the timed rounds), not timed.
 *
 *   --runs N      server processes (default 3)
 *   --rounds N    interleaved rounds per process (default 20)
 *   --slice N     requests per case per round (default 1000: 20,000 per case per process)
 *   --json FILE   also write the results there
 *   --docs        also put the table into docs/performance.md and README.md (between bench:express markers)
 */
/// <reference types="node" />
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { readFileSync, writeFileSync } from "node:fs";
import http from "node:http";
import os from "node:os";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { startRedisServer } from "../../test/support/redis-server.ts";
import { median } from "../measure.ts";
import { PAYLOAD_BYTES } from "../payload.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));
const serverScript = fileURLToPath(new URL("./server.ts", import.meta.url));

const VARIANTS = ["es", "ours", "ours_redis"] as const;
const PATHS = ["read", "write"] as const;
type Variant = (typeof VARIANTS)[number];
type Path = (typeof PATHS)[number];
type CaseName = "bare" | `${Variant}_${Path}`;
const CASES: readonly CaseName[] = [
  "bare",
  ...VARIANTS.flatMap((variant) => PATHS.map((path) => `${variant}_${path}` as const)),
];
const LABELS: Record<Variant, string> = {
  es: "express-session + connect-redis",
  ours: "sealed-session/express (cookie)",
  ours_redis: "sealed-session/express (Redis store)",
};
/** Where each variant's routes live in bench/express/server.ts. */
const PREFIXES: Record<Variant, string> = { es: "/es", ours: "/ours", ours_redis: "/ours-redis" };

function arg(name: string): string | undefined {
  const at = process.argv.indexOf(name);
  return at === -1 ? undefined : process.argv[at + 1];
}

/** One keep-alive connection: requests one after another, as concurrency 1. */
class Client {
  readonly #agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  readonly #port: number;
  constructor(port: number) {
    this.#port = port;
  }

  /** GET `path` with `cookie`; resolves with the body, the Set-Cookie lines and the latency (µs). */
  get(
    path: string,
    cookie?: string,
  ): Promise<{ body: string; setCookie: string[]; us: number; status: number }> {
    return new Promise((resolve, reject) => {
      const started = process.hrtime.bigint();
      const request = http.request(
        {
          host: "127.0.0.1",
          port: this.#port,
          path,
          agent: this.#agent,
          headers: cookie ? { cookie } : {},
        },
        (response) => {
          let body = "";
          response.setEncoding("utf8");
          response.on("data", (chunk: string) => {
            body += chunk;
          });
          response.on("end", () => {
            const us = Number(process.hrtime.bigint() - started) / 1000;
            resolve({
              body,
              setCookie: response.headers["set-cookie"] ?? [],
              us,
              status: response.statusCode ?? 0,
            });
          });
          response.on("error", reject);
        },
      );
      request.on("error", reject);
      request.end();
    });
  }

  close(): void {
    this.#agent.destroy();
  }
}

/** A browser's cookie for one variant: updated from each response, as a browser would. */
class Cookie {
  #pairs = new Map<string, string>();
  take(lines: string[]): void {
    for (const line of lines) {
      const pair = line.slice(0, line.indexOf(";"));
      const at = pair.indexOf("=");
      const name = pair.slice(0, at);
      const value = pair.slice(at + 1);
      if (value === "" || /max-age=0/i.test(line)) this.#pairs.delete(name);
      else this.#pairs.set(name, value);
    }
  }
  get header(): string {
    return [...this.#pairs].map(([name, value]) => `${name}=${value}`).join("; ");
  }
}

interface Server {
  readonly port: number;
  readonly child: ChildProcess;
}

async function startServer(redisUrl: string): Promise<Server> {
  const child = spawn(process.execPath, [serverScript], {
    cwd: root,
    env: { ...process.env, REDIS_URL: redisUrl, NODE_ENV: "production" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.on("data", (chunk: Buffer) => {
      out += chunk;
      const match = /ready (\d+)/.exec(out);
      if (match) resolve(Number(match[1]));
    });
    child.on("exit", (code) => reject(new Error(`bench server exited with ${code}: ${out}`)));
  });
  return { port, child };
}

async function stopServer(server: Server): Promise<void> {
  if (server.child.exitCode !== null) return;
  server.child.kill("SIGTERM");
  await once(server.child, "exit");
}

function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

const variantOf = (name: CaseName): Variant | undefined =>
  name === "bare"
    ? undefined
    : VARIANTS.find((variant) => name === `${variant}_read` || name === `${variant}_write`);
const pathOf = (name: CaseName) => {
  const variant = variantOf(name);
  return variant === undefined ? "/bare/read" : `${PREFIXES[variant]}/${name.slice(variant.length + 1)}`;
};

interface RunResult {
  /** Median latency per case, µs. */
  latency: Record<CaseName, number>;
  /** Median server CPU per request per case, µs. */
  cpu: Record<CaseName, number>;
  requests: Record<CaseName, number>;
  /** Cookie bytes each variant's write sets (name + value). */
  cookieBytes: Record<Variant, number>;
  /** Whether a read of an unchanged session answered with Set-Cookie. */
  readSetsCookie: Record<Variant, boolean>;
}

/** One measuring process: a fresh server, logins, warm-up, then interleaved rounds. */
async function measureRun(
  redisUrl: string,
  rounds: number,
  slice: number,
  label: string,
): Promise<RunResult> {
  const server = await startServer(redisUrl);
  const client = new Client(server.port);
  try {
    const cookies = {} as Record<Variant, Cookie>;
    const cookieBytes = {} as Record<Variant, number>;
    const readSetsCookie = Object.fromEntries(VARIANTS.map((v) => [v, false])) as Record<Variant, boolean>;
    for (const variant of VARIANTS) {
      cookies[variant] = new Cookie();
      const init = await client.get(`${PREFIXES[variant]}/init`);
      if (init.status !== 200) throw new Error(`${variant}/init answered ${init.status}: ${init.body}`);
      cookies[variant].take(init.setCookie);
    }
    const once = async (name: CaseName) => {
      const variant = variantOf(name);
      const answer = await client.get(pathOf(name), variant && cookies[variant].header);
      if (answer.status !== 200) throw new Error(`${name} answered ${answer.status}: ${answer.body}`);
      if (variant) {
        if (name.endsWith("read") && answer.setCookie.length > 0) readSetsCookie[variant] = true;
        cookies[variant].take(answer.setCookie);
        if (name.endsWith("write") && answer.setCookie.length > 0) {
          cookieBytes[variant] = answer.setCookie
            .map((line) => line.slice(0, line.indexOf(";")).length - 1)
            .reduce((a, b) => a + b, 0);
        }
      }
      return answer.us;
    };
    const cpuNow = async () => (JSON.parse((await client.get("/_cpu")).body) as { us: number }).us;
    // Warm-up: JIT, connection pools, the token cache.
    for (const name of CASES) for (let i = 0; i < Math.min(2000, slice); i++) await once(name);

    const samples = Object.fromEntries(CASES.map((name) => [name, [] as number[]])) as Record<
      CaseName,
      number[]
    >;
    const cpuSlices = Object.fromEntries(CASES.map((name) => [name, [] as number[]])) as Record<
      CaseName,
      number[]
    >;
    for (let round = 0; round < rounds; round++) {
      for (const name of shuffle([...CASES])) {
        const before = await cpuNow();
        for (let i = 0; i < slice; i++) samples[name].push(await once(name));
        cpuSlices[name].push(((await cpuNow()) - before) / slice);
      }
      process.stderr.write(`\r${label}: round ${round + 1}/${rounds}`);
    }
    process.stderr.write("\n");
    const by = <T>(f: (name: CaseName) => T) =>
      Object.fromEntries(CASES.map((name) => [name, f(name)])) as Record<CaseName, T>;
    return {
      latency: by((name) => median(samples[name])),
      cpu: by((name) => median(cpuSlices[name])),
      requests: by((name) => samples[name].length),
      cookieBytes,
      readSetsCookie,
    };
  } finally {
    client.close();
    await stopServer(server);
  }
}

/** Redis commands per request for each case, from INFO commandstats around a batch (not timed). */
async function countCommands(
  redisUrl: string,
  command: (...args: string[]) => Promise<unknown>,
): Promise<Record<CaseName, Record<string, number>>> {
  const server = await startServer(redisUrl);
  const client = new Client(server.port);
  const batch = 200;
  try {
    const counts = {} as Record<CaseName, Record<string, number>>;
    const cookies = Object.fromEntries(VARIANTS.map((v) => [v, new Cookie()])) as Record<Variant, Cookie>;
    for (const variant of VARIANTS) {
      cookies[variant].take((await client.get(`${PREFIXES[variant]}/init`)).setCookie);
    }
    for (const name of CASES) {
      const variant = variantOf(name);
      const request = async () => {
        const answer = await client.get(pathOf(name), variant && cookies[variant].header);
        if (variant) cookies[variant].take(answer.setCookie);
      };
      // Steady state, as in the timed rounds: the connection a transaction needs is already open
      // (a new one adds HELLO; docs/redis.md).
      for (let i = 0; i < 10; i++) await request();
      await command("CONFIG", "RESETSTAT");
      for (let i = 0; i < batch; i++) await request();
      // The stats call itself shows up as "info" (and the reset as "config"): leave both out.
      const info = String(await command("INFO", "commandstats"));
      const perRequest: Record<string, number> = {};
      for (const match of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
        const [, cmd, calls] = match;
        if (cmd!.startsWith("info") || cmd!.startsWith("config")) continue;
        perRequest[cmd!] = Math.round((Number(calls) / batch) * 100) / 100;
      }
      counts[name] = perRequest;
    }
    return counts;
  } finally {
    client.close();
    await stopServer(server);
  }
}

const round2 = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;

interface Report {
  runtime: string;
  machine: { cpus: number; cpu: string; os: string; date: string; loadavg: number[]; redis: string };
  runs: number;
  rounds: number;
  slice: number;
  requests_per_case: number;
  payload_bytes: number;
  cases: Record<CaseName, { median_us: number; runs_us: number[] }>;
  overhead_us: Record<string, number>;
  cpu_us_per_request: Record<CaseName, { median_us: number; runs_us: number[] }>;
  cpu_overhead_us: Record<string, number>;
  ratios: Record<string, number>;
  goals: Record<string, { goal: string; met: boolean }>;
  redis_commands_per_request: Record<CaseName, Record<string, number>>;
  cookie_bytes: Record<string, number>;
  read_sets_cookie: Record<string, boolean>;
  command: string;
}

const RATIOS: readonly { key: string; of: (r: RunResult) => number; goal?: number; note: string }[] = [
  {
    key: "express_overhead_expresssession_over_ours_cookie",
    of: (r) => (r.latency.es_read - r.latency.bare) / (r.latency.ours_read - r.latency.bare),
    goal: 3,
    note: "read latency overhead: express-session ÷ ours (cookie)",
  },
  {
    key: "express_write_overhead_expresssession_over_ours_cookie",
    of: (r) => (r.latency.es_write - r.latency.bare) / (r.latency.ours_write - r.latency.bare),
    note: "write latency overhead: express-session ÷ ours (cookie)",
  },
  {
    key: "express_cpu_read_expresssession_over_ours_cookie",
    of: (r) => (r.cpu.es_read - r.cpu.bare) / (r.cpu.ours_read - r.cpu.bare),
    note: "server CPU per read beyond bare: express-session ÷ ours (cookie)",
  },
  {
    key: "express_cpu_write_expresssession_over_ours_cookie",
    of: (r) => (r.cpu.es_write - r.cpu.bare) / (r.cpu.ours_write - r.cpu.bare),
    note: "server CPU per write beyond bare: express-session ÷ ours (cookie)",
  },
  {
    key: "express_overhead_expresssession_over_ours_redis",
    of: (r) => (r.latency.es_read - r.latency.bare) / (r.latency.ours_redis_read - r.latency.bare),
    goal: 1.5,
    note: "read latency overhead: express-session ÷ ours (Redis store)",
  },
  {
    key: "express_write_overhead_expresssession_over_ours_redis",
    of: (r) => (r.latency.es_write - r.latency.bare) / (r.latency.ours_redis_write - r.latency.bare),
    note: "write latency overhead: express-session ÷ ours (Redis store)",
  },
  {
    key: "express_cpu_read_expresssession_over_ours_redis",
    of: (r) => (r.cpu.es_read - r.cpu.bare) / (r.cpu.ours_redis_read - r.cpu.bare),
    note: "server CPU per read beyond bare: express-session ÷ ours (Redis store)",
  },
  {
    key: "express_cpu_write_expresssession_over_ours_redis",
    of: (r) => (r.cpu.es_write - r.cpu.bare) / (r.cpu.ours_redis_write - r.cpu.bare),
    note: "server CPU per write beyond bare: express-session ÷ ours (Redis store)",
  },
];

function table(report: Report): string {
  const fmt = (n: number | undefined, digits = 1) => (n === undefined ? "—" : n.toFixed(digits));
  const pad = (s: string, n: number) => s.padEnd(n);
  const lpad = (s: string, n: number) => s.padStart(n);
  const width = Math.max(...VARIANTS.map((variant) => `${LABELS[variant]}, write`.length)) + 2;
  const commands = (name: CaseName) => {
    const entries = Object.entries(report.redis_commands_per_request[name] ?? {});
    if (entries.length === 0) return "0";
    const total = entries.reduce((sum, [, n]) => sum + n, 0);
    return `${fmt(total, total % 1 === 0 ? 0 : 2)} (${entries.map(([cmd, n]) => `${cmd.toUpperCase()}${n === 1 ? "" : ` ×${n}`}`).join(", ")})`;
  };
  const lines = [
    `sealed-session Express bench · ${report.runtime} · ${report.machine.cpus}× ${report.machine.cpu} · redis ${report.machine.redis} · ` +
      `${report.runs} server processes × ${report.rounds} rounds × ${report.slice} requests per case · ` +
      `payload ${report.payload_bytes} B JSON · load ${report.machine.loadavg.join(" → ")}`,
    "",
    "Loopback HTTP, concurrency 1 (µs per request, median; overhead = case − bare Express; CPU = server process)",
    `${pad("", width)}${lpad("latency", 9)}${lpad("overhead", 10)}${lpad("CPU", 8)}${lpad("CPU over", 10)}  Redis commands per request`,
  ];
  const bare = report.cases.bare.median_us;
  lines.push(
    `${pad("bare Express", width)}${lpad(fmt(bare), 9)}${lpad("", 10)}${lpad(fmt(report.cpu_us_per_request.bare.median_us), 8)}${lpad("", 10)}  0`,
  );
  for (const variant of VARIANTS) {
    for (const path of PATHS) {
      const name = `${variant}_${path}` as CaseName;
      lines.push(
        `${pad(`${LABELS[variant]}, ${path}`, width)}${lpad(fmt(report.cases[name].median_us), 9)}` +
          `${lpad(fmt(report.overhead_us[name]), 10)}${lpad(fmt(report.cpu_us_per_request[name].median_us), 8)}` +
          `${lpad(fmt(report.cpu_overhead_us[name]), 10)}  ${commands(name)}`,
      );
    }
  }
  lines.push("", "Ratios (median of per-run ratios)");
  for (const def of RATIOS) {
    const goal = report.goals[def.key];
    const verdict = goal === undefined ? "" : `${goal.goal}  ${goal.met ? "met" : "MISSED"}`;
    lines.push(
      `  ${pad(def.key, 57)}${lpad(fmt(report.ratios[def.key], 2), 7)}  ${pad(verdict, 12)} ${def.note}`,
    );
  }
  lines.push(
    "",
    `Cookie bytes set by a write (name + value): ${Object.entries(report.cookie_bytes)
      .map(([variant, bytes]) => `${LABELS[variant as Variant]} ${bytes}`)
      .join(", ")}`,
    `A read of an unchanged session sets a cookie: ${Object.entries(report.read_sets_cookie)
      .map(([variant, sets]) => `${LABELS[variant as Variant]} ${sets ? "yes" : "no"}`)
      .join(", ")}`,
  );
  return lines.join("\n");
}

/** Replaces the block between `<!-- bench:express -->` and `<!-- /bench:express -->` in a doc. */
function writeDocs(path: string, report: Report, text: string): void {
  const doc = readFileSync(path, "utf8");
  const open = "<!-- bench:express -->";
  const close = "<!-- /bench:express -->";
  const start = doc.indexOf(open);
  const end = doc.indexOf(close);
  if (start === -1 || end < start) throw new Error(`${path} has no ${open} … ${close} block`);
  const block =
    `${open}\n\`${report.command}\` on ${report.machine.date.slice(0, 10)}, ${report.machine.cpus}× ${report.machine.cpu}, ` +
    `${report.runtime}, redis-server ${report.machine.redis}:\n\n\`\`\`text\n${text}\n\`\`\`\n`;
  writeFileSync(path, doc.slice(0, start) + block + doc.slice(end));
  process.stderr.write(`updated ${path}\n`);
}

async function main(): Promise<void> {
  const runs = Math.max(1, Number(arg("--runs") ?? 3));
  const rounds = Math.max(1, Number(arg("--rounds") ?? 20));
  const slice = Math.max(1, Number(arg("--slice") ?? 1000));
  const jsonPath = arg("--json");
  const loadBefore = os.loadavg()[0]!;

  await using redis = await startRedisServer();
  const version = String(await redis.command("INFO", "server")).match(/redis_version:(\S+)/)?.[1] ?? "?";
  const results: RunResult[] = [];
  for (let run = 0; run < runs; run++) {
    results.push(await measureRun(redis.url, rounds, slice, `express bench run ${run + 1}/${runs}`));
  }
  process.stderr.write("counting Redis commands\n");
  const counted = await countCommands(redis.url, (...args) => redis.command(...args));

  const cases = {} as Report["cases"];
  const cpu = {} as Report["cpu_us_per_request"];
  for (const name of CASES) {
    const latencies = results.map((r) => r.latency[name]);
    const cpus = results.map((r) => r.cpu[name]);
    cases[name] = { median_us: round2(median(latencies)), runs_us: latencies.map((v) => round2(v)) };
    cpu[name] = { median_us: round2(median(cpus)), runs_us: cpus.map((v) => round2(v)) };
  }
  const overhead: Record<string, number> = {};
  const cpuOverhead: Record<string, number> = {};
  for (const name of CASES) {
    if (name === "bare") continue;
    overhead[name] = round2(median(results.map((r) => r.latency[name] - r.latency.bare)));
    cpuOverhead[name] = round2(median(results.map((r) => r.cpu[name] - r.cpu.bare)));
  }
  const ratios: Record<string, number> = {};
  const goals: Report["goals"] = {};
  for (const def of RATIOS) {
    ratios[def.key] = round2(median(results.map(def.of)), 3);
    if (def.goal !== undefined)
      goals[def.key] = { goal: `>= ${def.goal}`, met: ratios[def.key]! >= def.goal };
  }
  const report: Report = {
    runtime: `node ${process.versions.node}`,
    machine: {
      cpus: os.availableParallelism(),
      cpu: os.cpus()[0]?.model.trim() ?? "unknown",
      os: `${os.type()} ${os.release()}`,
      date: new Date().toISOString(),
      loadavg: [round2(loadBefore), round2(os.loadavg()[0]!)],
      redis: version,
    },
    runs,
    rounds,
    slice,
    requests_per_case: Math.min(...results.flatMap((r) => CASES.map((name) => r.requests[name]))),
    payload_bytes: PAYLOAD_BYTES,
    cases,
    overhead_us: overhead,
    cpu_us_per_request: cpu,
    cpu_overhead_us: cpuOverhead,
    ratios,
    goals,
    redis_commands_per_request: counted,
    cookie_bytes: Object.fromEntries(
      VARIANTS.map((variant) => [variant, median(results.map((r) => r.cookieBytes[variant] ?? 0))]),
    ),
    read_sets_cookie: Object.fromEntries(
      VARIANTS.map((variant) => [variant, results.some((r) => r.readSetsCookie[variant])]),
    ),
    command: "npm run bench:express",
  };
  const text = table(report);
  process.stdout.write(`${text}\n`);
  if (process.argv.includes("--docs")) {
    writeDocs(`${root}docs/performance.md`, report, text);
    writeDocs(`${root}README.md`, report, text);
  }
  if (jsonPath) {
    writeFileSync(jsonPath, `${JSON.stringify(report, null, 2)}\n`);
    process.stderr.write(`wrote ${jsonPath}\n`);
  }
}

await main();
