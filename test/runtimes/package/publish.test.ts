// Publish dry runs, as `npm run release` does them: what npm and JSR would receive holds the code and
// its docs and nothing else — no tests, no fixtures, nothing secret — and every entry point JSR
// accepts is on JSR. Sizes are reported. Needs a built dist/ (`npm run build`; `npm test` builds first).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { test } from "node:test";
import {
  fileProblems,
  filesWithSecrets,
  jsrPublishDryRun,
  kib,
  knownSecrets,
  listFiles,
  npmPublishDryRun,
  unpackNpmTarball,
} from "../../../scripts/package-contents.ts";
import { sourceOfEntryPoint } from "../../../scripts/public-surface.ts";

const root = new URL("../../../", import.meta.url).pathname;
const readJson = (path: string) => JSON.parse(readFileSync(join(root, path), "utf8"));
const pkg = readJson("package.json") as {
  exports: Record<string, string | { types: string; default: string }>;
  bin: Record<string, string>;
};
const jsr = readJson("jsr.json") as { exports: Record<string, string> };

/** A tarball past this is not growth but something that got in by mistake (it is ~0.2 MiB). */
const MAX_PACKED_BYTES = 512 * 1024;

test("npm publish --dry-run: code, types, docs; no tests, fixtures or secrets; size reported", async () => {
  const dryRun = npmPublishDryRun(root);
  const paths = dryRun.files.map((file) => file.path);
  console.log(
    `npm tarball: ${paths.length} files, ${kib(dryRun.size)} packed, ${kib(dryRun.unpackedSize)} unpacked`,
  );
  assert.deepEqual(fileProblems(paths), []);
  for (const [subpath, target] of Object.entries(pkg.exports)) {
    const files = typeof target === "string" ? [target] : [target.default, target.types];
    for (const file of files) assert.ok(paths.includes(file.slice(2)), `${subpath}: ${file} is packed`);
  }
  for (const bin of Object.values(pkg.bin)) assert.ok(paths.includes(bin), `${bin} is packed`);
  for (const doc of ["README.md", "LICENSE", "CHANGELOG.md"])
    assert.ok(paths.includes(doc), `${doc} is packed`);
  assert.ok(
    dryRun.size < MAX_PACKED_BYTES,
    `${kib(dryRun.size)} packed: over ${kib(MAX_PACKED_BYTES)}, look for files that should not ship`,
  );

  // The same list, from a real tarball, read byte for byte: no secret of this checkout is inside.
  const unpacked = unpackNpmTarball(root);
  try {
    assert.deepEqual(listFiles(unpacked.dir), [...paths].sort());
    const secrets = await knownSecrets(root);
    assert.ok(secrets.length > 0, "the fixtures' test secrets are among the strings looked for");
    assert.deepEqual(filesWithSecrets(unpacked.dir, paths, secrets), []);
  } finally {
    unpacked.dispose();
  }
});

test("deno publish --dry-run: every jsr.json entry point, no tests, fixtures or secrets; size reported", async () => {
  const { files } = jsrPublishDryRun(root);
  const paths = files.map((file) => file.path);
  const bytes = files.reduce((sum, file) => sum + file.size, 0);
  console.log(`JSR package: ${paths.length} files, about ${kib(bytes)} (uncompressed)`);
  assert.deepEqual(fileProblems(paths), []);
  for (const [subpath, source] of Object.entries(jsr.exports))
    assert.ok(paths.includes(source.slice(2)), `${subpath}: ${source} is published`);
  for (const doc of ["README.md", "LICENSE", "CHANGELOG.md"])
    assert.ok(paths.includes(doc), `${doc} is published`);
  assert.deepEqual(filesWithSecrets(root, paths, await knownSecrets(root)), []);
});

test("every npm entry point missing from jsr.json is one JSR refuses (e.g. ./workers: a global augmentation)", () => {
  const missing = Object.keys(pkg.exports).filter(
    (subpath) => subpath !== "./package.json" && !(subpath in jsr.exports),
  );
  assert.ok(missing.includes("./workers"), "./workers is npm-only (package.test.ts says why)");
  // Offer each to JSR on a copy: if JSR ever accepts one, this fails, and it belongs in jsr.json.
  for (const subpath of missing) {
    const target = pkg.exports[subpath];
    const source = sourceOfEntryPoint(typeof target === "string" ? target : (target?.default ?? ""));
    const copy = mkdtempSync(join(tmpdir(), "sealed-session-jsr-"));
    try {
      for (const path of ["src", "README.md", "LICENSE", "CHANGELOG.md", "package.json"])
        cpSync(join(root, path), join(copy, path), { recursive: true });
      symlinkSync(join(root, "node_modules"), join(copy, "node_modules"), "dir");
      const manifest = readJson("jsr.json");
      manifest.exports[subpath] = source;
      // Drop the excludes that keep this entry point's files out.
      const dir = dirname(source.slice(2));
      manifest.publish.exclude = manifest.publish.exclude.filter(
        (pattern: string) => !(pattern === source.slice(2) || pattern.replace(/\/\*\*?$/, "") === dir),
      );
      writeFileSync(join(copy, "jsr.json"), JSON.stringify(manifest, null, 2));
      const result = spawnSync(
        join(root, "node_modules", ".bin", "deno"),
        ["publish", "--dry-run", "--allow-dirty", "--no-check"],
        { cwd: copy, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } },
      );
      const output = `${result.stdout}${result.stderr}`;
      console.log(
        `not on JSR: ${subpath}, which JSR refuses: ${/^error\S*: .*$/m.exec(output)?.[0] ?? "(no error line)"}`,
      );
      assert.notEqual(result.status, 0, `JSR accepts ${subpath}: add it to jsr.json\n${output}`);
      assert.ok(output.includes(`${dir}/`), `JSR's refusal names a file of ${subpath}:\n${output}`);
      if (subpath === "./workers") assert.match(output, /global augmentations are not supported/);
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  }
});
