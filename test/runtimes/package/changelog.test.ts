// CHANGELOG.md and the entries waiting for the next release (.changeset/*.md): every entry carries
// its upgrade notes, every release section opens with its upgrade section, and every release whose
// cookies are kept as upgrade fixtures is named in the changelog with its fixture file.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import {
  EntryFormatError,
  highestBump,
  insertUnderHeading,
  parseEntry,
  readEntries,
  releaseSections,
  renderChange,
  renderUpgrade,
} from "../../../scripts/changesets.ts";

const root = new URL("../../../", import.meta.url).pathname;
const changelog = readFileSync(join(root, "CHANGELOG.md"), "utf8");
const sections = releaseSections(changelog);
const { version } = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));

const entry = (front: string, body: string) => `---\n${front}\n---\n\n${body}\n`;
const NOTES = "What to do: Nothing.\nExisting sessions: Unaffected.\nSoftened by: Nothing needed.";

test("every pending entry names the package, a bump, a headline and the three upgrade notes", () => {
  // readEntries throws an EntryFormatError naming the file and what to change.
  const entries = readEntries(root);
  for (const { id, bump, headline } of entries) console.log(`pending (${bump}): ${id}: ${headline}`);
});

test("the version in package.json has a changelog section", () => {
  assert.ok(sections.has(version), `CHANGELOG.md has no "## ${version}" section`);
});

test("every release section opens with its upgrade section", () => {
  assert.ok(sections.size > 0);
  for (const [release, text] of sections) {
    const first = /^### (.+)$/m.exec(text)?.[1];
    assert.match(
      first ?? "",
      /^Upgrading from /,
      `## ${release}: its first subsection is "### Upgrading from …"`,
    );
    for (const label of ["What to do:", "Existing sessions:", "Softened by:"])
      assert.ok(text.includes(label), `## ${release}: the upgrade section says "${label}"`);
  }
});

test("every upgrade fixture's release is in the changelog, which names its fixture file", () => {
  const dir = join(root, "test", "fixtures", "upgrade");
  const releases = readdirSync(dir)
    .filter((name) => /^\d+\.\d+\.\d+.*\.ts$/.test(name))
    .map((name) => name.slice(0, -3));
  assert.ok(releases.includes("0.1.0"), "0.1.0's fixtures are committed");
  for (const release of releases) {
    const text = sections.get(release);
    assert.ok(text, `CHANGELOG.md has a "## ${release}" section for test/fixtures/upgrade/${release}.ts`);
    assert.ok(text.includes(`test/fixtures/upgrade/${release}.ts`), `## ${release} names its fixture file`);
  }
});

test("an entry without its upgrade notes, or with a wrong front matter, is refused with what to fix", () => {
  const good = parseEntry("good", entry('"sealed-session": minor', `Adds \`x\`.\n\nDetail.\n\n${NOTES}`));
  assert.equal(good.headline, "Adds `x`.");
  assert.equal(good.detail, "Detail.");
  assert.equal(good.whatToDo, "Nothing.");
  const refused = (front: string, body: string, message: RegExp) =>
    assert.throws(
      () => parseEntry("bad", entry(front, body)),
      (error: unknown) => {
        assert.ok(error instanceof EntryFormatError);
        assert.match(error.message, /^\.changeset\/bad\.md: /);
        assert.match(error.message, message);
        return true;
      },
    );
  refused(
    '"sealed-session": minor',
    "Adds `x`.",
    /missing "What to do:", "Existing sessions:", "Softened by:"/,
  );
  refused('"sealed-session": minor', "Adds `x`.\n\nWhat to do: Nothing.", /missing "Existing sessions:"/);
  refused('"sealed-session": huge', `Adds \`x\`.\n\n${NOTES}`, /major, minor or patch/);
  refused('"other-package": patch', `Adds \`x\`.\n\n${NOTES}`, /exactly one line, "sealed-session"/);
  refused('"sealed-session": patch', `## Heading\n\n${NOTES}`, /one line that says what changed/);
  refused(
    '"sealed-session": patch',
    `Adds \`x\`.\n\n${NOTES}\n\nMore detail.`,
    /detail before "What to do:"/,
  );
});

test("a release's notes: breaking entries first, each with its three notes, and the fixtures named", () => {
  const entries = [
    parseEntry("fix", entry('"sealed-session": patch', `A fix.\n\n${NOTES}`)),
    parseEntry(
      "break",
      entry(
        '"sealed-session": major',
        "A break.\n\nWhat to do: Set `x`.\nExisting sessions: Logged out\nunless `y`.\nSoftened by: `y: true`.",
      ),
    ),
  ];
  assert.equal(highestBump(entries), "major");
  const upgrade = renderUpgrade(entries, { version: "2.0.0", previous: "1.4.0", previousHasFixtures: true });
  assert.equal(
    upgrade,
    [
      "### Upgrading from 1.4.0",
      "**Breaking release.** Read the entries marked breaking before you deploy. Cookies and sealed values " +
        "that 1.4.0 wrote load under 2.0.0: `test/fixtures/upgrade/1.4.0.ts` runs in `npm test`.",
      "- **A break.** (breaking)\n  - What to do: Set `x`.\n  - Existing sessions: Logged out unless `y`.\n" +
        "  - Softened by: `y: true`.",
      "- **A fix.** (fix)\n  - What to do: Nothing.\n  - Existing sessions: Unaffected.\n  - Softened by: Nothing needed.",
      "Upgrade fixtures: `test/fixtures/upgrade/2.0.0.ts` holds cookies and sealed values that 2.0.0 wrote; " +
        "every later release loads them in `npm test`.",
    ].join("\n\n"),
  );
  const written = insertUnderHeading("# x\n\n## 2.0.0\n\n### Major Changes\n", "2.0.0", upgrade);
  assert.ok(written.startsWith(`# x\n\n## 2.0.0\n\n${upgrade}\n\n### Major Changes\n`));
  assert.equal(renderChange(entries[1]!), "- A break.\n\n");
});

test("`changeset version` run by hand stops before it consumes entries (npm run release writes their notes)", () => {
  const copy = mkdtempSync(join(tmpdir(), "sealed-session-changeset-"));
  try {
    for (const path of [".changeset", "package.json", "CHANGELOG.md", "scripts"])
      cpSync(join(root, path), join(copy, path), { recursive: true });
    symlinkSync(join(root, "node_modules"), join(copy, "node_modules"), "dir");
    writeFileSync(
      join(copy, ".changeset", "probe.md"),
      entry('"sealed-session": patch', `Probe.\n\n${NOTES}`),
    );
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PATH: `${join(root, "node_modules", ".bin")}:${process.env.PATH}`,
    };
    delete env.SEALED_SESSION_RELEASE;
    const result = spawnSync(join(root, "node_modules", ".bin", "changeset"), ["version"], {
      cwd: copy,
      encoding: "utf8",
      env,
    });
    assert.notEqual(result.status, 0);
    assert.match(`${result.stdout}${result.stderr}`, /Run `npm run release`/);
    assert.equal(readFileSync(join(copy, "CHANGELOG.md"), "utf8"), changelog, "CHANGELOG.md unchanged");
    assert.ok(readdirSync(join(copy, ".changeset")).includes("probe.md"), "the entry is still there");
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
});
