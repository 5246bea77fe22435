// The adapter on Next.js 15, the oldest major its peer range allows: examples/next-app, copied for
// Next 15 (proxy.ts becomes middleware.ts in the Node runtime, as Next 16's proxy runs; the config
// without Next 16's options), built by Next 15's own `next build` and driven by the same HTTP tests as on Next 16
// (http.test.ts with SEALED_SESSION_NEXT=15). `npm ci` installs Next 15 in test/frameworks/next15
// (a `file:` devDependency whose own dependencies land in its node_modules): there it is found as
// `next`, beside its own TypeScript 5 — Next 15 type-checks through TypeScript's API, which
// TypeScript 7 no longer has.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { next15Dir, root } from "./app.ts";

const example = join(root, "examples/next-app");
const copy = join(next15Dir, "app");

/** The example as Next 15 takes it; its `.next/` stays, so an unchanged copy reuses its build. */
function prepare() {
  mkdirSync(copy, { recursive: true });
  for (const folder of ["app", "lib"]) {
    rmSync(join(copy, folder), { recursive: true, force: true });
    cpSync(join(example, folder), join(copy, folder), { recursive: true });
  }
  const proxy = readFileSync(join(example, "proxy.ts"), "utf8");
  // Next 16's proxy runs on Node; on Next 15 (15.5+) middleware.ts does when it asks to, and then
  // shares the process's revocation store with the route handlers, as the example expects.
  const middleware = proxy
    .replace("export function proxy(", "export function middleware(")
    .replace("export const config = { matcher:", 'export const config = { runtime: "nodejs", matcher:');
  assert.equal(middleware.match(/middleware\(|runtime: "nodejs"/g)?.length, 2, "proxy.ts as expected");
  writeFileSync(join(copy, "middleware.ts"), middleware);
  const tsconfig = JSON.parse(readFileSync(join(example, "tsconfig.json"), "utf8"));
  tsconfig.compilerOptions.jsx = "preserve"; // what Next 15 would otherwise rewrite it to
  tsconfig.compilerOptions.paths = {
    "sealed-session": ["../../../../src/index.ts"],
    "sealed-session/*": ["../../../../src/*/index.ts"],
  };
  writeFileSync(join(copy, "tsconfig.json"), `${JSON.stringify(tsconfig, null, 2)}\n`);
  writeFileSync(
    join(copy, "next.config.mjs"),
    [
      'import { fileURLToPath } from "node:url";',
      "// The repository is the root: the app's sealed-session comes from its src/ (tsconfig paths).",
      'export default { outputFileTracingRoot: fileURLToPath(new URL("../../../..", import.meta.url)), poweredByHeader: false };',
      "",
    ].join("\n"),
  );
}

test("on Next.js 15: examples/next-app built by Next 15, the same HTTP tests", { timeout: 600_000 }, (t) => {
  const version = JSON.parse(readFileSync(join(next15Dir, "node_modules/next/package.json"), "utf8")).version;
  assert.match(version, /^15\./, "test/frameworks/next15 installs Next 15 (npm ci)");
  prepare();
  // Without NODE_TEST_CONTEXT: inherited, the child would report to this runner in its own protocol.
  const { NODE_TEST_CONTEXT: _, ...env } = process.env;
  const result = spawnSync(
    process.execPath,
    ["--test", "--test-reporter=spec", join(root, "test/frameworks/next/http.test.ts")],
    {
      cwd: root,
      encoding: "utf8",
      env: { ...env, SEALED_SESSION_NEXT: "15", NO_COLOR: "1" },
      timeout: 600_000,
    },
  );
  const output = `${result.stdout ?? ""}${result.stderr ?? ""}`;
  assert.equal(result.status, 0, `Next 15 failed:\n${output}`);
  const counts = output.split("\n").filter((line) => /^ℹ (tests|pass|fail|skipped) /.test(line));
  assert.match(counts.join(" "), /ℹ fail 0/);
  const built = /next build: ([^\n]*)/.exec(output)?.[1] ?? "?";
  t.diagnostic(`next ${version}: ${counts.join("; ")}; next build: ${built}`);
});
