// What a user of the published package relies on: publint and attw find nothing wrong with the
// built package, the JSR manifest and the Deno import map offer the same entry points as npm, and
// `engines` names the Node this project actually tests as its oldest. The publish dry runs (npm and
// JSR, with their file lists) are in publish.test.ts.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { test } from "node:test";
import { publint } from "publint";
import { formatMessage } from "publint/utils";

const root = new URL("../../../", import.meta.url);
const bin = (name: string) => new URL(`node_modules/.bin/${name}`, root).pathname;
const readJson = (path: string) => JSON.parse(readFileSync(new URL(path, root), "utf8"));

interface PackageJson {
  version: string;
  engines?: { node?: string };
  exports: Record<string, string | { types: string; default: string }>;
}
const pkg: PackageJson = readJson("package.json");
/** Subpaths the npm package offers, e.g. "." and "./revocation" (package.json itself left out). */
const subpaths = Object.keys(pkg.exports).filter((key) => key !== "./package.json");
/** Entry points only npm offers, and why JSR cannot. */
const NPM_ONLY: Record<string, string> = {
  "./workers": "it augments the global Cloudflare.Env type, and JSR refuses global augmentations",
  "./express":
    "it augments the global Express.Request type (req.session), and JSR refuses global augmentations",
};
const sourceOf = (subpath: string) =>
  subpath === "." ? "./src/index.ts" : `./src/${subpath.slice(2)}/index.ts`;

function run(command: string, args: string[]) {
  const result = spawnSync(command, args, {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1" },
  });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

test("the built package exists (npm run build ran)", () => {
  for (const subpath of subpaths) {
    const target = pkg.exports[subpath];
    assert.ok(typeof target === "object", `${subpath} names its types and its code`);
    assert.ok(existsSync(new URL(target.default, root)), `${target.default} is built`);
    assert.ok(existsSync(new URL(target.types, root)), `${target.types} is built`);
  }
});

test("publint finds no error, warning or suggestion", async () => {
  const { messages, pkg: manifest } = await publint({ pkgDir: new URL(".", root).pathname, strict: true });
  const lines = messages.map((message) => `${message.type}: ${formatMessage(message, manifest)}`);
  assert.deepEqual(lines, []);
});

test("attw --pack: types resolve for ESM consumers (node16 and bundler)", () => {
  const { status, output } = run(process.execPath, [bin("attw"), "--pack", ".", "--profile", "esm-only"]);
  assert.equal(status, 0, output);
});

test("engines names the oldest Node the runtimes run tests on (scripts/runtimes.mjs, node20)", () => {
  assert.equal(pkg.engines?.node, ">=20");
});

test("jsr.json matches package.json: version and one entry per export, all on the sources", () => {
  const jsr = readJson("jsr.json");
  assert.equal(jsr.version, pkg.version);
  const onJsr = subpaths.filter((subpath) => !(subpath in NPM_ONLY));
  for (const [subpath, why] of Object.entries(NPM_ONLY))
    console.log(`not on JSR: ${subpath}, because ${why}`);
  assert.deepEqual(Object.keys(jsr.exports).sort(), onJsr.sort());
  for (const subpath of onJsr) {
    assert.equal(jsr.exports[subpath], sourceOf(subpath));
    assert.ok(existsSync(new URL(sourceOf(subpath), root)), `${sourceOf(subpath)} exists`);
  }
});

test("the Deno import map used by the tests offers every export, each pointing at an existing source", () => {
  const { imports } = readJson("test/runtimes/deno/import_map.json");
  for (const subpath of subpaths) {
    const name = subpath === "." ? "sealed-session" : `sealed-session/${subpath.slice(2)}`;
    assert.equal(imports[name], `../../.${sourceOf(subpath)}`, name);
  }
});
