// Runs the runtime-neutral cases (test/cases/*.cases.ts) on every runtime, one after another:
//   node scripts/runtimes.mjs [--only deno,bun] [--json <file>]
// Each run prints its runtime and version first and its counts last. The run fails if a runtime
// fails, is missing, or did not register every case (the adapters print what they saw; see
// test/runtimes/cases.ts). `--json` writes the results for scripts/runtimes-table.mjs.
// node20, deno and bun also run the Redis kits (test/runtimes/<id>/redis.test.ts: revocation, the
// registry and the data store) against one redis-server this script starts for the run (REDIS_URL);
// each must print how many Redis tests it registered for which clients, and run them all. deno also
// runs the Deno KV registry and data-store kit and must print how many of its tests it registered.
// `--describe` runs nothing: it prints (JSON) the case counts and each runtime's version, the
// figures the docs' table carries, so `npm run runtimes:table -- --check` can compare them.
import { spawn, spawnSync } from "node:child_process";
import {
  accessSync,
  constants,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { delimiter, join, resolve } from "node:path";
import { stripVTControlCharacters } from "node:util";

const root = resolve(import.meta.dirname, "..");
const bin = (name) => join(root, "node_modules", ".bin", name);
// Node 24 comes from the devDependency, whatever `node` started this script.
const node24 = bin("node");

const runtimes = [
  {
    id: "node-test",
    family: "node",
    what: "node:test on the TypeScript sources",
    binary: () => node24,
    version: (exe) => capture(exe, ["--version"]).replace(/^v/, "node "),
    command: (exe) => [
      exe,
      [
        "--import",
        "./test/runtimes/node-test/register.mjs",
        "--test",
        "--test-reporter=spec",
        "--test-concurrency=2",
      ].concat(testFiles("test/runtimes/node-test", ".test.ts")),
    ],
    library: "src/index.ts",
    parse: parseNodeTest,
  },
  {
    id: "node20",
    family: "node",
    what: "node:test on the built package (dist/), cases compiled to JavaScript",
    binary: systemNode,
    // The machine's own Node, not one the lock file pins: the docs name its major version only.
    fromMachine: true,
    version: (exe) => capture(exe, ["--version"]).replace(/^v/, "node "),
    prepare: compileForNode20,
    command: (exe) => [
      exe,
      ["--test", "--test-reporter=spec"].concat(
        testFiles("test-output/node20/test/runtimes/node20", ".test.js"),
      ),
    ],
    library: "dist/index.js",
    redis: ["node-redis", "ioredis"],
    parse: parseNodeTest,
  },
  {
    id: "deno",
    family: "deno",
    what: "deno test on the sources (import map)",
    binary: () => bin("deno"),
    version: (exe) => capture(exe, ["--version"]).split("\n")[0].replace(/ \(.*/, ""),
    command: (exe) => [
      exe,
      [
        "test",
        "--import-map=test/runtimes/deno/import_map.json",
        // Reading finds the case files; net and env are for the example test (a real server on loopback).
        "--allow-read=.",
        // The example test starts `deno run` itself; the Deno KV tests need KV.
        `--allow-run=${realpathSync(exe)}`,
        "--unstable-kv",
        "--allow-net=127.0.0.1",
        "--allow-env",
        "test/runtimes/deno/",
      ],
    ],
    // The Deno KV tests (revocation, registry, data store on real Deno KV) must not skip themselves here.
    env: { DENO_KV_REQUIRED: "1" },
    library: "src/index.ts",
    redis: ["node-redis", "ioredis"],
    denoKv: true,
    parse: (out) => {
      const m = out.match(
        /(?:ok|FAILED) \| (\d+) passed(?: \((\d+) steps?\))? \| (\d+) failed(?: \| (\d+) ignored)?/,
      );
      return m && { passed: +m[1], failed: +m[3], skipped: +(m[4] ?? 0) };
    },
  },
  {
    id: "bun",
    family: "bun",
    what: "bun test on the sources (tsconfig paths)",
    binary: () => bin("bun"),
    version: (exe) => `bun ${capture(exe, ["--version"])}`,
    command: (exe) => [exe, ["test", "test/runtimes/bun/"]],
    library: "src/index.ts",
    redis: ["node-redis", "ioredis", "bun"],
    parse: (out) => {
      const count = (word) => +(out.match(new RegExp(`^\\s*(\\d+) ${word}$`, "m"))?.[1] ?? 0);
      return /^Ran \d+ tests? across/m.test(out)
        ? { passed: count("pass"), failed: count("fail"), skipped: count("skip") }
        : null;
    },
  },
  {
    id: "workerd",
    family: "workerd",
    what: "vitest inside workerd (@cloudflare/vitest-plugin) on the sources",
    binary: () => bin("workerd"),
    version: (exe) => capture(exe, ["--version"]),
    command: () => [node24, [bin("vitest"), "run", "--project", "workers", "test/workers/cases.test.ts"]],
    library: "src/index.ts",
    parse: (out) => {
      const line = out.match(/^\s*Tests\s+(.*)$/m)?.[1];
      if (!line) return null;
      const count = (word) => +(line.match(new RegExp(`(\\d+) ${word}`))?.[1] ?? 0);
      return { passed: count("passed"), failed: count("failed"), skipped: count("skipped") };
    },
  },
];

const args = process.argv.slice(2);
const only = option("--only")?.split(",");
const jsonPath = option("--json");
const selected = only ? runtimes.filter((r) => only.includes(r.id)) : runtimes;
if (only && selected.length !== only.length)
  fail(`unknown runtime in --only; known: ${runtimes.map((r) => r.id)}`);

const env = { ...process.env, NO_COLOR: "1", WRANGLER_SEND_METRICS: "false" };
delete env.FORCE_COLOR;
const listing = spawnSync(
  node24,
  ["--import", "./test/runtimes/node-test/register.mjs", "test/runtimes/node-test/list.ts"],
  { cwd: root, env, encoding: "utf8" },
);
if (listing.status !== 0) fail(`could not list the cases (a case file does not load):\n${listing.stderr}`);
const expected = JSON.parse(listing.stdout);
if (args.includes("--describe")) {
  const described = selected.map((runtime) => {
    const exe = runtime.binary();
    const version = exe && isExecutable(exe) ? runtime.version(exe) : null;
    return { id: runtime.id, what: runtime.what, fromMachine: runtime.fromMachine === true, version };
  });
  const json = `${JSON.stringify({ expected, results: described })}\n`;
  await new Promise((written) => process.stdout.write(json, written));
  process.exit(0);
}
console.log(`${expected.tests} cases in ${expected.files} files (test/cases/*.cases.ts)`);

const redis = selected.some((runtime) => runtime.redis) ? await startRedis() : undefined;
const results = [];
for (const runtime of selected) results.push(await run(runtime));
await redis?.stop();

console.log("\nRuntimes");
for (const r of results) {
  const counts = r.counts
    ? `${r.counts.passed} passed, ${r.counts.failed} failed, ${r.counts.skipped} skipped`
    : "no counts";
  console.log(
    `  ${r.ok ? "✔" : "✘"} ${r.id.padEnd(9)} ${(r.version ?? "missing").padEnd(22)} ${counts} (${r.seconds} s)`,
  );
  for (const problem of r.problems) console.log(`      ${problem}`);
}
const failed = results.filter((r) => !r.ok).length;
console.log(`runtimes: ${results.length - failed} passed, ${failed} failed`);
if (jsonPath)
  writeFileSync(
    jsonPath,
    `${JSON.stringify({ date: new Date().toISOString(), expected, results }, null, 2)}\n`,
  );
process.exit(failed === 0 ? 0 : 1);

async function run(runtime) {
  const started = Date.now();
  const result = {
    id: runtime.id,
    what: runtime.what,
    fromMachine: runtime.fromMachine === true,
    version: null,
    counts: null,
    problems: [],
    ok: false,
  };
  const done = () => ({ ...result, seconds: ((Date.now() - started) / 1000).toFixed(1) });
  const exe = runtime.binary();
  if (!exe || !isExecutable(exe)) {
    result.problems.push(`did not run: no ${runtime.id} binary found${exe ? ` at ${exe}` : ""}`);
    console.log(`\n━━ ${runtime.id}: MISSING`);
    return done();
  }
  result.version = runtime.version(exe);
  console.log(`\n━━ ${result.version} — ${runtime.id}: ${runtime.what} [${exe}]`);
  try {
    runtime.prepare?.();
  } catch (error) {
    result.problems.push(`did not run: ${error.message}`);
    return done();
  }
  const [command, commandArgs] = runtime.command(exe);
  // REDIS_REQUIRED: a Redis test file without REDIS_URL fails instead of starting a server of its own.
  const redisEnv = runtime.redis ? { REDIS_URL: redis?.url ?? "", REDIS_REQUIRED: "1" } : {};
  if (runtime.redis && redis?.url === undefined) result.problems.push(`Redis: ${redis?.error}`);
  const { status, output } = await stream(command, commandArgs, { ...runtime.env, ...redisEnv });
  const plain = stripVTControlCharacters(output);
  result.counts = runtime.parse(plain);
  check(result, runtime, plain, status);
  const c = result.counts;
  console.log(
    `${runtime.id}: ${c ? `${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped` : "no counts"}`,
  );
  return done();
}

/** Everything that must hold for a runtime to count as passed; each miss is named. */
function check(result, runtime, output, status) {
  const problems = result.problems;
  if (status !== 0) problems.push(`exited with ${status}`);
  if (!result.counts) problems.push("no test summary found in its output");
  else if (result.counts.failed > 0) problems.push(`${result.counts.failed} failed`);
  const seen = output.match(new RegExp(`\\[runtime\\] ${runtime.id}: (.*)`))?.[1];
  if (!seen) problems.push("the adapter never ran (no [runtime] line)");
  else if (!seen.startsWith(`${runtime.family} `)) problems.push(`ran on ${seen}, not ${runtime.family}`);
  const library = output.match(new RegExp(`\\[library\\] ${runtime.id}: (\\S*)`))?.[1];
  if (library !== runtime.library)
    problems.push(`"sealed-session" resolved to ${library}, not ${runtime.library}`);
  const cases = output.match(
    new RegExp(`\\[cases\\] ${runtime.id}: (\\d+) tests from (\\d+) files, (\\d+) skipped`),
  );
  if (!cases) problems.push("no [cases] line: the case files did not load");
  else if (+cases[1] !== expected.tests || +cases[2] !== expected.files)
    problems.push(
      `registered ${cases[1]} tests from ${cases[2]} files; expected ${expected.tests} from ${expected.files}`,
    );
  const redisTests = runtime.redis ? checkRedis(runtime, output, problems) : 0;
  const denoKvTests = runtime.denoKv ? checkDenoKv(runtime, output, problems) : 0;
  if (
    cases &&
    result.counts &&
    result.counts.passed + result.counts.skipped < expected.tests + redisTests + denoKvTests
  )
    problems.push(
      `only ${result.counts.passed + result.counts.skipped} tests ran; expected at least ${expected.tests} cases` +
        (redisTests > 0 ? ` and ${redisTests} Redis tests` : "") +
        (denoKvTests > 0 ? ` and ${denoKvTests} Deno KV tests` : ""),
    );
  result.ok = problems.length === 0;
}

/** The Redis kit ran for exactly the runtime's clients, each with every test; returns how many tests. */
function checkRedis(runtime, output, problems) {
  const wanted = expected.redisPerClient * runtime.redis.length;
  const line = output.match(
    new RegExp(`\\[redis\\] ${runtime.id}: (\\d+) tests for (\\d+) clients \\((.*)\\)`),
  );
  if (!line) problems.push("no [redis] line: the Redis tests did not load");
  else if (line[3] !== runtime.redis.join(", "))
    problems.push(`Redis tests ran for ${line[3]}, not ${runtime.redis.join(", ")}`);
  else if (+line[1] !== wanted)
    problems.push(
      `registered ${line[1]} Redis tests; expected ${wanted} (${expected.redisPerClient} per client)`,
    );
  return wanted;
}

/** The Deno KV registry and data-store kit ran with every test; returns how many. */
function checkDenoKv(runtime, output, problems) {
  const line = output.match(new RegExp(`\\[deno-kv\\] ${runtime.id}: (\\d+) registry and store tests`));
  if (!line) problems.push("no [deno-kv] line: the Deno KV registry and store tests did not load");
  else if (+line[1] !== expected.denoKvTests)
    problems.push(`registered ${line[1]} Deno KV tests; expected ${expected.denoKvTests}`);
  return expected.denoKvTests;
}

/**
 * One redis-server for the whole run (test/support/redis-server.ts, started by Node 24 whatever Node
 * runs this script). It stops when its stdin closes: at the end, or when this script dies.
 */
function startRedis() {
  return new Promise((done) => {
    const child = spawn(node24, ["test/support/redis-server.ts", "--stdin"], {
      cwd: root,
      env,
      stdio: ["pipe", "pipe", "pipe"],
    });
    let output = "";
    let started = false;
    const exited = new Promise((resolve) => child.once("close", resolve));
    const stop = async () => {
      child.stdin.end();
      await exited;
    };
    child.stdout.on("data", (chunk) => {
      output += chunk;
      const url = output.match(/^REDIS_URL=(\S+)$/m)?.[1];
      if (url && !started) {
        started = true;
        console.log(`redis-server for the Redis tests: ${url}`);
        done({ url, stop });
      }
    });
    child.stderr.on("data", (chunk) => {
      output += chunk;
    });
    child.on("error", (error) => done({ error: error.message, stop: async () => {} }));
    exited.then(() =>
      done({
        error: `no redis-server: ${output.trim().split("\n").slice(-3).join(" ")}`,
        stop: async () => {},
      }),
    );
  });
}

/** The machine's own Node (the oldest supported one): the first `node` on PATH outside node_modules. */
function systemNode() {
  if (process.env.SYSTEM_NODE) return process.env.SYSTEM_NODE;
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (!dir || dir.includes("node_modules")) continue;
    const candidate = join(dir, "node");
    if (isExecutable(candidate) && !realpathSync(candidate).includes("node_modules")) return candidate;
  }
  return null;
}

/** Node 20 runs no TypeScript: build the package, then compile the adapter and the cases (no type check: `npm run typecheck` does that). */
function compileForNode20() {
  // Build first, so the package under test is the current sources, also when run on its own.
  const build = spawnSync(node24, [bin("tsc"), "-p", "tsconfig.build.json"], { cwd: root, stdio: "inherit" });
  if (build.status !== 0) throw new Error("the build (tsc -p tsconfig.build.json) failed");
  rmSync(join(root, "test-output", "node20"), { recursive: true, force: true });
  const tsc = spawnSync(node24, [bin("tsc"), "-p", "test/runtimes/node20/tsconfig.json"], {
    cwd: root,
    stdio: "inherit",
  });
  if (tsc.status !== 0) throw new Error("tsc could not compile the cases for Node 20");
  const version = Number(capture(systemNode(), ["-p", "process.versions.node.split('.')[0]"]));
  const oldest = Number(readPackage().engines.node.match(/\d+/)[0]);
  if (version !== oldest)
    console.log(`note: the system node is ${version}, not the oldest supported (${oldest})`);
}

function stream(command, commandArgs, extraEnv = {}) {
  return new Promise((done) => {
    const child = spawn(command, commandArgs, {
      cwd: root,
      env: { ...env, ...extraEnv },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    const tee = (target) => (chunk) => {
      output += chunk;
      target.write(chunk);
    };
    child.stdout.on("data", tee(process.stdout));
    child.stderr.on("data", tee(process.stderr));
    child.on("error", (error) => done({ status: -1, output: `${output}\n${error.message}` }));
    child.on("close", (status) => done({ status, output }));
  });
}

function testFiles(folder, suffix) {
  return readdirSync(join(root, folder))
    .filter((name) => name.endsWith(suffix))
    .map((name) => `${folder}/${name}`);
}

function capture(command, commandArgs) {
  return spawnSync(command, commandArgs, { cwd: root, env, encoding: "utf8" }).stdout?.trim() ?? "";
}

function isExecutable(path) {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function readPackage() {
  return JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
}

function option(flag) {
  const at = args.indexOf(flag);
  return at === -1 ? undefined : args[at + 1];
}

function fail(message) {
  console.error(message);
  process.exit(1);
}

/** node:test's spec reporter ends with `ℹ pass N`, `ℹ fail N`, `ℹ skipped N` (Node 20 and 24 alike). */
function parseNodeTest(out) {
  const count = (word) => out.match(new RegExp(`^ℹ ${word} (\\d+)$`, "m"))?.[1];
  const passed = count("pass");
  return passed === undefined
    ? null
    : { passed: +passed, failed: +count("fail"), skipped: +count("skipped") };
}
