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

test("a runtime that reports its cases but never ran its Redis tests fails the run", () => {
  const listed = spawnSync(
    process.execPath,
    ["--import", "./test/runtimes/node-test/register.mjs", "test/runtimes/node-test/list.ts"],
    { cwd: project, encoding: "utf8" },
  );
  const { files, tests } = JSON.parse(listed.stdout) as { files: number; tests: number };
  // Everything the case check wants, and a summary with exactly that many passes: no Redis tests.
  const impostor = join(scratch, "node-without-redis");
  mkdirSync(impostor, { recursive: true });
  const lines = [
    "[runtime] node20: node 20.0.0",
    "[library] node20: dist/index.js",
    `[cases] node20: ${tests} tests from ${files} files, 0 skipped`,
    `ℹ pass ${tests}`,
    "ℹ fail 0",
    "ℹ skipped 0",
  ];
  writeFileSync(
    join(impostor, "node"),
    `#!/bin/sh\nprintf 'v20.0.0\\n'\n[ "$1" = "--version" ] && exit 0\nprintf '%s\\n' ${lines.map((line) => `'${line}'`).join(" ")}\n`,
  );
  chmodSync(join(impostor, "node"), 0o755);
  const { status, output } = runNode20With(join(impostor, "node"));
  assert.equal(status, 1, output);
  assert.match(output, /redis-server for the Redis tests: redis:\/\/127\.0\.0\.1:\d+/);
  assert.match(output, /no \[redis\] line: the Redis tests did not load/);
  assert.match(output, /expected at least \d+ cases and \d+ Redis tests/);
  assert.doesNotMatch(output, /the adapter never ran|no \[cases\] line/);
});
