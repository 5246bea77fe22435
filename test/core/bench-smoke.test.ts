// The benchmark harness runs end to end (one tiny run, no timing assertions) and writes the JSON
// shape that tooling reads: runtime, cases[name].median_us, ratios[key].
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { it } from "vitest";

const root = fileURLToPath(new URL("../..", import.meta.url));
const RATIO_KEYS = [
  "roundtrip_jwe_over_floor",
  "roundtrip_ironsession_over_iron",
  "hono_write_overhead_over_floor",
  "hono_write_ironsession_over_ours",
  "hono_write_honosession_over_ours",
  "hono_read_overhead_over_floor",
  "cookie_bytes_jwe",
  "cookie_bytes_iron",
];

it("bench harness emits the JSON shape", { timeout: 120_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), "bench-smoke-"));
  try {
    const out = join(dir, "bench.json");
    const run = spawnSync(
      process.execPath,
      ["bench/main.ts", "--runs", "1", "--rounds", "1", "--slice-ms", "1", "--json", out],
      { cwd: root, encoding: "utf8" },
    );
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /roundtrip_jwe_over_floor/);
    const report = JSON.parse(readFileSync(out, "utf8")) as {
      runtime: string;
      cases: Record<string, { median_us: number }>;
      ratios: Record<string, number>;
      skipped: string[];
    };
    assert.match(report.runtime, /^node \d+\./);
    assert.deepEqual(report.skipped, []);
    for (const name of ["rt_floor_gcm", "rt_ours_jwe", "rt_ours_iron", "hono_bare", "hono_ours_write"]) {
      const median = report.cases[name]?.median_us;
      assert.ok(typeof median === "number" && median > 0, `${name}: ${median}`);
    }
    for (const key of RATIO_KEYS) {
      assert.ok(Number.isFinite(report.ratios[key]), `ratio ${key} missing`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const WORKERD_RATIO_KEYS = [
  "registry_check_over_stateless",
  "registry_check_cold_over_stateless_cold",
  "registry_cached_over_stateless",
  "store_read_over_cookie",
  "store_write_over_cookie",
  "store_refresh_over_cookie",
];

it("workerd bench harness runs the Durable Objects and emits registry_* and store_* ratios", {
  timeout: 120_000,
}, () => {
  const dir = mkdtempSync(join(tmpdir(), "bench-smoke-workerd-"));
  try {
    const out = join(dir, "bench.json");
    // A tiny cold pool and one short round: this checks the harness, not the figures.
    const run = spawnSync(
      process.execPath,
      [
        "bench/main.ts",
        "--runtime",
        "workerd",
        "--runs",
        "1",
        "--rounds",
        "1",
        "--slice-ms",
        "5",
        "--pool",
        "24",
        "--json",
        out,
      ],
      { cwd: root, encoding: "utf8" },
    );
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /registry_check_over_stateless/);
    const report = JSON.parse(readFileSync(out, "utf8")) as {
      runtime: string;
      cases: Record<string, { wall_us: number; cpu_us?: number }>;
      ratios: Record<string, number>;
      do_calls: Record<string, Record<string, number>>;
    };
    assert.match(report.runtime, /^workerd /);
    for (const name of ["stateless_warm", "registry_check_warm", "store_read", "store_write", "noop_rpc"]) {
      const wall = report.cases[name]?.wall_us;
      assert.ok(typeof wall === "number" && wall > 0, `${name}: ${wall}`);
    }
    for (const key of WORKERD_RATIO_KEYS) {
      assert.ok(Number.isFinite(report.ratios[key]), `ratio ${key} missing`);
    }
    // Counted, not timed: what each request kind asks of the Durable Objects.
    assert.deepEqual(report.do_calls.stateless_warm, {});
    assert.deepEqual(report.do_calls.registry_check_warm, { "registry.check": 1 });
    assert.deepEqual(report.do_calls.registry_cached_warm, {});
    assert.deepEqual(report.do_calls.store_read, { "store.get": 1 });
    assert.deepEqual(report.do_calls.store_write, { "store.get": 1, "store.patch": 1 });
    assert.deepEqual(report.do_calls.store_refresh, { "store.get": 1, "store.touch": 1 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
