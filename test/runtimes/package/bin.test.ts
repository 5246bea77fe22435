// `npx sealed-session secret` must work in a fresh clone, where nothing has built dist/ (the README's
// deploy steps run it there), on the oldest supported Node and the current one, and print secrets
// of the same format as generateSecret().
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { accessSync, constants, cpSync, existsSync, mkdtempSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, delimiter, dirname, join } from "node:path";
import { after, test } from "node:test";
import { createSessions, generateSecret } from "../../../src/index.ts";

const root = new URL("../../../", import.meta.url).pathname;
const scratch = mkdtempSync(join(tmpdir(), "sealed-session-bin-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

// What a clone has: the tracked files, and no build output or installed packages.
const clone = join(scratch, "clone");
const notInAClone = new Set(["node_modules", "dist", "test-output", ".git", ".wrangler", ".dev.vars"]);
cpSync(root, clone, { recursive: true, filter: (source) => !notInAClone.has(basename(source)) });

const node24 = join(root, "node_modules", ".bin", "node");

/** The machine's own Node (the oldest supported), found as scripts/runtimes.mjs finds it. */
function systemNode(): string {
  if (process.env.SYSTEM_NODE) return process.env.SYSTEM_NODE;
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (!dir || dir.includes("node_modules")) continue;
    const candidate = join(dir, "node");
    try {
      accessSync(candidate, constants.X_OK);
    } catch {
      continue;
    }
    if (!realpathSync(candidate).includes("node_modules")) return candidate;
  }
  throw new Error("no system node on PATH");
}

/** 32 bytes as canonical base64url: 43 characters, the last one carrying no stray bits. */
const SECRET_FORMAT = /^[\w-]{42}[AEIMQUYcgkosw048]$/;

function assertSecret(secret: string, label: string): void {
  assert.match(secret, SECRET_FORMAT, label);
  const bytes = Uint8Array.from(atob(secret.replaceAll("-", "+").replaceAll("_", "/")), (char) =>
    char.charCodeAt(0),
  );
  assert.equal(bytes.length, 32, label);
  assert.ok(createSessions({ secrets: secret }), `${label}: accepted as a newest secret`);
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv = process.env) {
  const result = spawnSync(command, args, { cwd: clone, encoding: "utf8", env });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

test("the clone has no dist/: the bin cannot lean on a build", () => {
  assert.equal(existsSync(join(clone, "dist")), false);
  assert.equal(existsSync(join(clone, "bin", "sealed-session.js")), true);
});

for (const [label, node] of [
  ["system Node (the oldest supported)", systemNode()],
  ["Node 24 (the node devDependency)", node24],
] as const) {
  test(`bin/sealed-session.js secret prints a new secret on the ${label}`, () => {
    const version = run(node, ["--version"]).stdout.trim();
    const first = run(node, ["bin/sealed-session.js", "secret"]);
    assert.equal(first.status, 0, `${version}: ${first.stderr}`);
    assert.equal(first.stderr, "");
    assert.match(first.stdout, /\n$/);
    assertSecret(first.stdout.trim(), version);
    assert.notEqual(run(node, ["bin/sealed-session.js", "secret"]).stdout, first.stdout);
  });

  test(`bin/sealed-session.js prints its usage, and fails on an unknown command, on the ${label}`, () => {
    const usage = run(node, ["bin/sealed-session.js"]);
    assert.equal(usage.status, 0);
    assert.match(usage.stderr, /usage: sealed-session secret/);
    const unknown = run(node, ["bin/sealed-session.js", "secrets"]);
    assert.equal(unknown.status, 1);
    assert.match(unknown.stderr, /usage: sealed-session secret/);
  });
}

test("npx sealed-session secret, as the README runs it, works in the clone (offline)", () => {
  const npx = join(dirname(systemNode()), "npx");
  // A cache of its own, so the run leaves nothing behind in the user's ~/.npm.
  const env = {
    ...process.env,
    npm_config_cache: join(scratch, "npm-cache"),
    npm_config_update_notifier: "false",
  };
  const result = run(npx, ["--offline", "sealed-session", "secret"], env);
  assert.equal(result.status, 0, result.stderr);
  assertSecret(result.stdout.trim(), "npx");
});

test("generateSecret() makes the same format as the bin", () => {
  for (let i = 0; i < 100; i++) assertSecret(generateSecret(), "generateSecret()");
});
