// `npm test`: every check the project has, in order, with one summary at the end.
// Each step is an npm script; a step fails the run if it exits non-zero.
// CI keeps only the tail of a run's output, so the summary repeats what each failed step said about its
// failures (the lines around them), after all the steps' own output.
import { spawn } from "node:child_process";

const steps = [
  ["typecheck", "npm run -s typecheck"],
  ["lint", "npm run -s lint"],
  ["build", "npm run -s build"],
  ["vitest (node + workerd)", "npm run -s test:vitest"],
  // The deno run includes the Deno KV revocation tests (--unstable-kv); `npm run test:deno-kv` runs them alone.
  ["cases on every runtime (node 24, node 20, deno, bun, workerd)", "npm run -s test:runtimes"],
  ["package (publint, attw, tree-shaking)", "npm run -s test:package"],
  // Each adapter against its real framework: built and served on a free port (test/frameworks/<name>/).
  ["frameworks (real builds and servers)", "npm run -s test:frameworks"],
  // Skips (and says so) without `chromium` on PATH; under CI=true that is a failure instead.
  ["demo in headless Chromium (wrangler dev)", "npm run -s test:e2e"],
];

const KEEP_LINES = 4000;
// ANSI colour codes, built from a string so the pattern holds no control character literally.
const ansi = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, "g");
const EXCERPT_LINES = 80;
const failureLine =
  /FAIL|✗|✘|×|not ok|Error:|AssertionError|expected|Timed out|timed out|exit code|failed|Failed/;
const noise = /\b0 failed\b|\bfail 0\b|A header value for "cookie"/;

/** Runs one step, streaming its output while keeping its last lines. */
function run(command) {
  return new Promise((resolve) => {
    const lines = [];
    let partial = "";
    const keep = (chunk) => {
      const text = partial + chunk.toString("utf8");
      const parts = text.split("\n");
      partial = parts.pop() ?? "";
      for (const line of parts) lines.push(line.replace(ansi, ""));
      if (lines.length > KEEP_LINES) lines.splice(0, lines.length - KEEP_LINES);
    };
    const child = spawn(command, { shell: true, stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.on("data", (chunk) => {
      process.stdout.write(chunk);
      keep(chunk);
    });
    child.stderr.on("data", (chunk) => {
      process.stderr.write(chunk);
      keep(chunk);
    });
    child.on("close", (code, signal) => {
      if (partial) lines.push(partial);
      resolve({ ok: code === 0, code: code ?? signal, lines });
    });
  });
}

/** The lines around each failure report, at most EXCERPT_LINES, newest last. */
function excerpt(lines) {
  const wanted = new Set();
  lines.forEach((line, index) => {
    if (!failureLine.test(line) || noise.test(line)) return;
    for (let i = Math.max(0, index - 2); i <= Math.min(lines.length - 1, index + 6); i++) wanted.add(i);
  });
  const picked = [...wanted].sort((a, b) => a - b).map((i) => lines[i]);
  const shown = picked.length > 0 ? picked : lines;
  return shown.slice(-EXCERPT_LINES);
}

process.env.WRANGLER_SEND_METRICS = "false";
const results = [];
for (const [name, command] of steps) {
  const started = Date.now();
  console.log(`\n▶ ${name}: ${command}`);
  const { ok, code, lines } = await run(command);
  results.push({ name, ok, code, lines, seconds: ((Date.now() - started) / 1000).toFixed(1) });
}
for (const { name, ok, code, lines } of results) {
  if (ok) continue;
  console.log(`\n✘ ${name} exited with ${code}; what it said about its failures:`);
  for (const line of excerpt(lines)) console.log(`  | ${line}`);
}
console.log("\nSummary");
for (const { name, ok, seconds } of results) console.log(`  ${ok ? "✔" : "✘"} ${name} (${seconds} s)`);
const failed = results.filter((result) => !result.ok).length;
console.log(`steps: ${results.length - failed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
