// The adapter on React Router 7 (its peer range starts at 7.9): the in-process tests of the
// SessionStorage and the route middleware (storage.test.ts) run again with "react-router" resolved to
// the devDependency react-router7, and the adapter's types check against React Router 7's. The
// production build and server (http.test.ts) run on React Router 8 only: a build on 7 would need
// @react-router/dev 7 and its toolchain installed beside 8's.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const here = fileURLToPath(new URL(".", import.meta.url));
const hook = ["--import", "./test/frameworks/react-router/react-router7.mjs"];

function run(args: string[]) {
  // Without NODE_TEST_CONTEXT: inherited, the child would report to this runner in its own protocol.
  const { NODE_TEST_CONTEXT: _, ...env } = process.env;
  const result = spawnSync(process.execPath, args, {
    cwd: root,
    encoding: "utf8",
    env: { ...env, NO_COLOR: "1" },
  });
  return { status: result.status, output: `${result.stdout ?? ""}${result.stderr ?? ""}` };
}

test("on React Router 7: the SessionStorage and the middleware, in process", { timeout: 120_000 }, (t) => {
  const version = run([...hook, "-p", "require('react-router/package.json').version"]);
  assert.match(
    version.output,
    /^7\./,
    `react-router should resolve to React Router 7 (${version.output.trim()})`,
  );
  const result = run([...hook, "--test", "--test-reporter=spec", join(here, "storage.test.ts")]);
  assert.equal(result.status, 0, `React Router 7 failed:\n${result.output}`);
  const counts = result.output.split("\n").filter((line) => /^ℹ (tests|pass|fail|skipped) /.test(line));
  assert.match(counts.join(" "), /ℹ fail 0/);
  t.diagnostic(`react-router ${version.output.trim()}: ${counts.join("; ")}`);
});

test("on React Router 7: the adapter's types (and storage.test.ts) check against React Router 7's", () => {
  // A types path that does not exist would let TypeScript fall back to React Router 8's without a word.
  const config = JSON.parse(readFileSync(join(here, "tsconfig.react-router7.json"), "utf8"));
  const types = join(here, config.compilerOptions.paths["react-router"][0]);
  assert.ok(
    existsSync(types) && types.includes("react-router7"),
    `${types} should be React Router 7's types`,
  );
  const tsc = join(root, "node_modules", ".bin", "tsc");
  const result = run([tsc, "-p", join(here, "tsconfig.react-router7.json")]);
  assert.equal(result.status, 0, `tsc on React Router 7's types:\n${result.output}`);
});
