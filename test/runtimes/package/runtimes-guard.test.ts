// scripts/runtimes.mjs must fail when a runtime did not really run the cases, not only when a case
// fails: a missing binary, or one that exits 0 with a summary but never loaded the adapter.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { after, test } from "node:test";

const root = new URL("../../../", import.meta.url).pathname;
const scratch = mkdtempSync(join(tmpdir(), "sealed-session-runtimes-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

// The script runs on a copy of the project. Its node20 step first rebuilds dist/ (tsc truncates and
// rewrites every file) and test-output/node20/, while the other package tests, running alongside
// (--test-concurrency=2), read dist/: `attw --pack` fails when its `npm pack` meets a half-written
// file (1 run in 10 against back-to-back builds). The copy's node_modules is the project's own.
const project = join(scratch, "project");
mkdirSync(project);
for (const path of ["package.json", "tsconfig.json", "tsconfig.build.json", "scripts", "src", "test"]) {
  cpSync(join(root, path), join(project, path), {
    recursive: true,
    filter: (source) => basename(source) !== ".wrangler",
  });
}
symlinkSync(join(root, "node_modules"), join(project, "node_modules"), "dir");

/** Runs the node20 runtime only, with SYSTEM_NODE pointing where the test says. */
function runNode20With(systemNode: string) {
  const result = spawnSync(process.execPath, ["scripts/runtimes.mjs", "--only", "node20"], {
    cwd: project,
    encoding: "utf8",
    env: { ...process.env, SYSTEM_NODE: systemNode },
  });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

test("a missing runtime fails the run and says it did not run", () => {
  const { status, output } = runNode20With(join(scratch, "no-such-node"));
  assert.equal(status, 1);
  assert.match(output, /did not run: no node20 binary found/);
  assert.match(output, /runtimes: 0 passed, 1 failed/);
});

test("a runtime that reports success without running the adapter fails the run", () => {
  const impostor = join(scratch, "node");
  writeFileSync(
    impostor,
    "#!/bin/sh\nprintf 'v20.0.0\\n'\nprintf 'ℹ pass 500\\nℹ fail 0\\nℹ skipped 0\\n'\n",
  );
  chmodSync(impostor, 0o755);
  const { status, output } = runNode20With(impostor);
  assert.equal(status, 1);
  assert.match(output, /the adapter never ran/);
  assert.match(output, /no \[cases\] line/);
  // It ran here, not in the project: the copy got the build the node20 step makes.
  assert.ok(existsSync(join(project, "dist", "index.js")), output);
});
