// `npm run release -- --dry`: a whole release rehearsed in a temporary clone — version from the
// entries, changelog section with its upgrade notes, fixtures, surface snapshot, publish dry runs,
// commit and tag — while this checkout, its files and its tags stay exactly as they were. The suite
// itself is left out (--skip-suite): this test runs inside `npm test`, and a release runs `npm test`.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { type Bump, highestBump, readEntries, releaseSections } from "../../../scripts/changesets.ts";
import { checkSurface, readSnapshot } from "../../../scripts/public-surface.ts";
import { RELEASE_PATHS, type ReleaseReport } from "../../../scripts/release.ts";

const root = new URL("../../../", import.meta.url).pathname;
const script = join(root, "scripts", "release.ts");

function git(cwd: string, ...args: string[]) {
  const result = spawnSync("git", args, { cwd, encoding: "utf8" });
  assert.equal(result.status, 0, result.stderr);
  return result.stdout.trim();
}

function release(...args: string[]) {
  const result = spawnSync(process.execPath, [script, ...args], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1" },
  });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

function bumped(version: string, bump: Bump): string {
  const [major = 0, minor = 0, patch = 0] = version.split(".").map(Number);
  if (bump === "major") return `${major + 1}.0.0`;
  if (bump === "minor") return `${major}.${minor + 1}.0`;
  return `${major}.${minor}.${patch + 1}`;
}

/**
 * The traces a release would leave in this checkout. Other work may change the tree meanwhile (other
 * commits, other entries), so the test looks for the release's own marks, not for an unchanged tree.
 */
function releaseTraces(version: string) {
  const read = (path: string) => readFileSync(join(root, path), "utf8");
  return {
    packageVersion: JSON.parse(read("package.json")).version as string,
    jsrVersion: JSON.parse(read("jsr.json")).version as string,
    lockVersion: JSON.parse(read("package-lock.json")).version as string,
    changelogHasSection: releaseSections(read("CHANGELOG.md")).has(version),
    fixtures: existsSync(join(root, "test", "fixtures", "upgrade", `${version}.ts`)),
    snapshot: read(join(".changeset", "public-surface.json")),
    tags: git(root, "tag", "--list"),
    releaseCommit: git(root, "log", "-1", "--format=%s") === `Release ${version}`,
  };
}

test("release --dry rehearses a whole release in a clone and leaves this checkout alone", async () => {
  const work = mkdtempSync(join(tmpdir(), "sealed-session-release-test-"));
  const entryFile = join(work, "rehearsal.md");
  writeFileSync(
    entryFile,
    '---\n"sealed-session": patch\n---\n\nA rehearsed fix, `probeRehearsal`.\n\n' +
      "What to do: Rehearse.\nExisting sessions: Rehearsed.\nSoftened by: Rehearsal.\n",
  );
  const reportFile = join(work, "report.json");
  const { version: previous } = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
  const pending = readEntries(root);
  const expected = bumped(previous, highestBump([...pending, { bump: "patch" }]) ?? "patch");
  const before = releaseTraces(expected);
  assert.deepEqual(
    { ...before, snapshot: "", tags: "" },
    {
      packageVersion: previous,
      jsrVersion: previous,
      lockVersion: previous,
      changelogHasSection: false,
      fixtures: false,
      snapshot: "",
      tags: "",
      releaseCommit: false,
    },
  );
  let clone: string | undefined;
  try {
    const { status, output } = release(
      "--dry",
      "--skip-suite",
      "--keep",
      "--extra-entry",
      entryFile,
      "--json",
      reportFile,
    );
    // --keep names the clone even when the run fails: remove it either way.
    clone = /kept the clone: (\S+)/.exec(output)?.[1];
    assert.equal(status, 0, output);
    const report = JSON.parse(readFileSync(reportFile, "utf8")) as ReleaseReport;
    const dir = report.dir;
    assert.equal(dir, clone);
    console.log(
      `dry release ${report.previous} → ${report.version} (${report.bump}, ${report.entries.length} entries); ` +
        `npm ${report.npm.files} files ${report.npm.packedBytes} B packed; JSR ${report.jsr.files} files`,
    );
    assert.equal(report.dry, true);
    assert.equal(report.suite, "skipped");
    assert.equal(report.previous, previous);
    assert.equal(report.version, expected);
    assert.equal(report.tag, `v${expected}`);
    assert.deepEqual(
      report.entries.sort(),
      [...pending.map((entry) => entry.id), "rehearsal-rehearsal"].sort(),
    );
    assert.notEqual(dir, root);

    // In the clone: one commit and one tag hold the whole release, and nothing is left over.
    const read = (path: string) => readFileSync(join(dir, path), "utf8");
    assert.equal(git(dir, "log", "-1", "--format=%s"), `Release ${expected}`);
    assert.equal(git(dir, "rev-parse", `v${expected}^{commit}`), git(dir, "rev-parse", "HEAD"));
    assert.equal(git(dir, "status", "--porcelain", "--", ...RELEASE_PATHS), "", "all of it committed");
    assert.deepEqual(
      git(dir, "show", "--name-only", "--format=", "HEAD")
        .split("\n")
        .filter(
          (path) => !RELEASE_PATHS.some((released) => path === released || path.startsWith(`${released}/`)),
        ),
      [],
      "and nothing else",
    );
    assert.equal(JSON.parse(read("package.json")).version, expected);
    assert.equal(JSON.parse(read("jsr.json")).version, expected);
    const lock = JSON.parse(read("package-lock.json"));
    assert.equal(lock.version, expected);
    assert.equal(lock.packages[""].version, expected);
    assert.deepEqual(readEntries(dir), [], "the entries were consumed");
    assert.equal(readSnapshot(dir).release, expected);
    assert.deepEqual((await checkSurface(dir)).changes, [], "the snapshot is the released surface");
    assert.ok(existsSync(join(dir, "test", "fixtures", "upgrade", `${expected}.ts`)), "fixtures sealed");
    assert.match(
      read("test/fixtures/upgrade/index.ts"),
      new RegExp(`"./${expected.replace(/\./g, "\\.")}\\.ts"`),
    );

    const section = releaseSections(read("CHANGELOG.md")).get(expected) ?? "";
    assert.match(section, new RegExp(`^### Upgrading from ${previous.replace(/\./g, "\\.")}$`, "m"));
    assert.match(
      section,
      /- \*\*A rehearsed fix, `probeRehearsal`\.\*\* \(fix\)\n {2}- What to do: Rehearse\./,
    );
    assert.match(section, /^### Patch Changes$/m);
    assert.match(section, /^- A rehearsed fix, `probeRehearsal`\.$/m);
    assert.ok(section.includes(`test/fixtures/upgrade/${expected}.ts`), "the section names its fixtures");
    assert.ok(releaseSections(read("CHANGELOG.md")).has(previous), "earlier sections are kept");
  } finally {
    if (clone !== undefined && clone !== root) rmSync(clone, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  }
  assert.deepEqual(releaseTraces(expected), before, "no trace of the release in this checkout");
  for (const entry of pending)
    assert.ok(existsSync(join(root, ".changeset", `${entry.id}.md`)), `${entry.id} kept`);
});

test("release refuses options that would skip the suite or touch entries outside a dry run", () => {
  for (const args of [["--skip-suite"], ["--keep"], ["--extra-entry", "x.md"]]) {
    const { status, output } = release(...args);
    assert.equal(status, 1, output);
    assert.match(output, /--dry runs only/);
  }
});
