// The Express adapter's tests again on the other runtimes: Node 20 (the machine's `node`, on the
// built dist/ — the tests compiled to JavaScript), and Bun (on the sources, as Bun reads TypeScript);
// and on Express 4 (Node 24, the sources), where "express" resolves to the devDependency express4.
// Last, the types: the adapter, these tests and every Express example against @types/express 5 and 4.
// `npm run test:frameworks` runs this file with the project's Node 24, which runs the tests itself.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const here = fileURLToPath(new URL(".", import.meta.url));
const bin = (name: string) => join(root, "node_modules", ".bin", name);
const self = basename(fileURLToPath(import.meta.url));
// The bench smoke test runs the bench, a Node 24 script: here, only the adapter's own tests.
const testFiles = readdirSync(here)
  .filter((name) => name.endsWith(".test.ts") && name !== self && name !== "bench-smoke.test.ts")
  .sort();

function run(command: string, args: string[]) {
  // Without NODE_TEST_CONTEXT: inherited, it makes the child report to this runner in its own
  // protocol instead of printing results and exiting non-zero on a failure.
  const { NODE_TEST_CONTEXT: _, ...env } = process.env;
  const result = spawnSync(command, args, {
    cwd: root,
    encoding: "utf8",
    env: { ...env, NO_COLOR: "1" },
    timeout: 300_000,
  });
  const output = `${result.stdout ?? ""}${result.stderr ?? ""}`;
  return { status: result.status, output, error: result.error };
}

/** The runtime's own summary line(s), so the report says what ran. */
const summary = (output: string) =>
  output
    .split("\n")
    .filter((line) => /^(ℹ (tests|pass|fail|skipped)|\s*\d+ (pass|fail)\b|Ran \d+ tests)/.test(line))
    .join("; ");

test("on Node 20: the adapter's tests, compiled, against dist/", { timeout: 300_000 }, (t) => {
  const node20 = "/usr/bin/node";
  const version = run(node20, ["--version"]);
  assert.match(version.output, /^v20\./, `${node20} should be Node 20 (${version.output.trim()})`);
  const build = run(process.execPath, [bin("tsc"), "-p", "tsconfig.build.json"]);
  assert.equal(build.status, 0, `the build failed:\n${build.output}`);
  rmSync(join(root, "test-output", "express-node20"), { recursive: true, force: true });
  const compile = run(process.execPath, [bin("tsc"), "-p", join(here, "tsconfig.node20.json")]);
  assert.equal(compile.status, 0, `compiling the tests for Node 20 failed:\n${compile.output}`);
  const compiled = join(root, "test-output", "express-node20", "test", "frameworks", "express");
  // tsc leaves plain JavaScript (the express-session app) where it is: copy it beside the tests.
  for (const name of readdirSync(here).filter((name) => name.endsWith(".mjs"))) {
    copyFileSync(join(here, name), join(compiled, name));
  }
  const files = testFiles.map((name) => join(compiled, name.replace(/\.ts$/, ".js")));
  const result = run(node20, ["--test", "--test-reporter=spec", "--test-concurrency=1", ...files]);
  assert.equal(result.status, 0, `Node 20 failed:\n${result.output}`);
  t.diagnostic(`node ${version.output.trim()}: ${summary(result.output)}`);
});

test("on Bun: the adapter's tests on the sources", { timeout: 300_000 }, (t) => {
  const bun = bin("bun");
  const version = run(bun, ["--version"]);
  assert.equal(version.status, 0, `bun is missing: ${version.output}`);
  const result = run(bun, ["test", "--timeout", "120000", ...testFiles.map((name) => join(here, name))]);
  assert.equal(result.status, 0, `Bun failed:\n${result.output}`);
  assert.match(result.output, / 0 fail/);
  t.diagnostic(`bun ${version.output.trim()}: ${summary(result.output)}`);
});

test("on Express 4: the adapter's tests, with express resolved to express4", { timeout: 300_000 }, (t) => {
  const hooks = [
    "--import",
    "./test/runtimes/node-test/register.mjs",
    "--import",
    "./test/frameworks/express/express4.mjs",
  ];
  const version = run(process.execPath, [...hooks, "-p", "require('express/package.json').version"]);
  assert.match(version.output, /^4\./, `express should resolve to Express 4 (${version.output.trim()})`);
  const files = testFiles.map((name) => join(here, name));
  const result = run(process.execPath, [
    ...hooks,
    "--test",
    "--test-reporter=spec",
    "--test-concurrency=1",
    ...files,
  ]);
  assert.equal(result.status, 0, `Express 4 failed:\n${result.output}`);
  t.diagnostic(`express ${version.output.trim()}: ${summary(result.output)}`);
});

test("types: the adapter, its tests and each Express example check against @types/express 5 and 4", (t) => {
  const tsc = (project: string) => run(process.execPath, [bin("tsc"), "-p", project]);
  // A path that does not exist would let TypeScript fall back to Express 5's types without a word.
  const types4 = JSON.parse(readFileSync(join(root, "node_modules/@types/express4/package.json"), "utf8"));
  assert.match(types4.version, /^4\./, "@types/express4 is @types/express 4");
  // The adapter and these tests on Express 4's types (Express 5's: the project's own typecheck).
  const adapter = tsc(join(here, "tsconfig.express4.json"));
  assert.equal(adapter.status, 0, `the adapter on @types/express 4:\n${adapter.output}`);
  // Each example declares its own SessionData, so each is a program of its own.
  const out = join(root, "test-output", "express-types");
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const examples = readdirSync(join(root, "examples")).filter((name) => /^express-.*\.ts$/.test(name));
  assert.ok(examples.length >= 3, examples.join(", "));
  for (const example of examples) {
    for (const major of [5, 4]) {
      const project = join(out, `${example}-${major}.json`);
      const config = {
        extends: "../../tsconfig.json",
        compilerOptions: {
          paths: {
            ...(major === 4 ? { express: ["../../node_modules/@types/express4/index.d.ts"] } : {}),
            "sealed-session": ["../../src/index.ts"],
            "sealed-session/*": ["../../src/*/index.ts"],
          },
        },
        include: [`../../examples/${example}`],
        exclude: [],
      };
      writeFileSync(project, JSON.stringify(config));
      const checked = tsc(project);
      assert.equal(checked.status, 0, `${example} on @types/express ${major}:\n${checked.output}`);
    }
  }
  t.diagnostic(`checked: the adapter and its tests on 4; ${examples.join(", ")} on 5 and 4`);
});
