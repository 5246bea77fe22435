// `npm test`: every check the project has, in order, with one summary at the end.
// Each step is an npm script; a step fails the run if it exits non-zero.
import { spawnSync } from "node:child_process";

const steps = [
  ["typecheck", "npm run -s typecheck"],
  ["lint", "npm run -s lint"],
  ["build", "npm run -s build"],
  ["vitest (node + workerd)", "npm run -s test:vitest"],
  // The deno run includes the Deno KV revocation tests (--unstable-kv); `npm run test:deno-kv` runs them alone.
  ["cases on every runtime (node 24, node 20, deno, bun, workerd)", "npm run -s test:runtimes"],
  ["package (publint, attw, tree-shaking)", "npm run -s test:package"],
  // Skips (and says so) without `chromium` on PATH; under CI=true that is a failure instead.
  ["demo in headless Chromium (wrangler dev)", "npm run -s test:e2e"],
];

process.env.WRANGLER_SEND_METRICS = "false";
const results = [];
for (const [name, command] of steps) {
  const started = Date.now();
  console.log(`\n▶ ${name}: ${command}`);
  const { status } = spawnSync(command, { stdio: "inherit", shell: true });
  results.push({ name, ok: status === 0, seconds: ((Date.now() - started) / 1000).toFixed(1) });
}
console.log("\nSummary");
for (const { name, ok, seconds } of results) console.log(`  ${ok ? "✔" : "✘"} ${name} (${seconds} s)`);
const failed = results.filter((result) => !result.ok).length;
console.log(`steps: ${results.length - failed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
