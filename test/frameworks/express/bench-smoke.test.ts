// The Express benchmark's harness runs end to end (a tiny run: one server process, one round, no
// timing assertions) and writes the JSON shape the docs are made from. Node 24 only (the bench is a
// TypeScript script): runtimes.test.ts leaves it out of the Node 20 and Bun runs.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../../", import.meta.url));

test("npm run bench:express -- --json writes its report", { timeout: 180_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), "bench-express-"));
  try {
    const out = join(dir, "bench.json");
    const run = spawnSync(
      process.execPath,
      ["bench/express/main.ts", "--runs", "1", "--rounds", "1", "--slice", "20", "--json", out],
      { cwd: root, encoding: "utf8", timeout: 170_000 },
    );
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /express_overhead_expresssession_over_ours_cookie/);
    const report = JSON.parse(readFileSync(out, "utf8")) as {
      runtime: string;
      cases: Record<string, { median_us: number }>;
      ratios: Record<string, number>;
      redis_commands_per_request: Record<string, Record<string, number>>;
      read_sets_cookie: Record<string, boolean>;
    };
    assert.match(report.runtime, /^node \d+\./);
    const cases = ["es", "ours", "ours_redis"].flatMap((variant) => [`${variant}_read`, `${variant}_write`]);
    for (const name of ["bare", ...cases]) {
      const median = report.cases[name]?.median_us;
      assert.ok(typeof median === "number" && median > 0, `${name}: ${median}`);
    }
    assert.ok(Number.isFinite(report.ratios.express_overhead_expresssession_over_ours_cookie));
    assert.ok(Number.isFinite(report.ratios.express_overhead_expresssession_over_ours_redis));
    // Counted, not timed: express-session reads with GET (+ EXPIRE for its touch), ours in cookie mode
    // asks Redis nothing, and in Redis mode reads with one GET and writes with one compare-and-set
    // script call (its GET and SET count as commands of their own).
    const counted = report.redis_commands_per_request;
    assert.deepEqual(counted.es_read, { get: 1, expire: 1 });
    assert.deepEqual(counted.es_write, { get: 1, set: 1 });
    assert.deepEqual(counted.ours_read, {});
    assert.deepEqual(counted.ours_write, {});
    assert.deepEqual(counted.ours_redis_read, { get: 1 });
    assert.deepEqual(counted.ours_redis_write, { get: 2, eval: 1, set: 1 });
    assert.deepEqual(report.read_sets_cookie, { es: false, ours: false, ours_redis: false });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
