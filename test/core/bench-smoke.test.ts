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
