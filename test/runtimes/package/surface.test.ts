// Every change to the public surface — an export of an entry point added or removed, an option of an
// exported `…Options` type added or removed — since the last release is named in a changelog entry
// (.changeset/*.md) before it can land. The snapshot of that release is .changeset/public-surface.json.
import assert from "node:assert/strict";
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import {
  checkSurface,
  describeChange,
  explainMissing,
  extractSurface,
  readSnapshot,
  type Surface,
  writeSnapshot,
} from "../../../scripts/public-surface.ts";

const root = new URL("../../../", import.meta.url).pathname;
/** The surface of the sources as they are, read once for the tests that look at it. */
const current = extractSurface(root);

test("every change to the public surface since the last release is named in a changelog entry", async () => {
  const check = await checkSurface(root, await current);
  for (const change of check.changes) console.log(`since ${check.release}: ${describeChange(change)}`);
  assert.ok(check.missing.length === 0, explainMissing(check));
});

test("the snapshot is the surface of the version in package.json (npm run release writes both)", () => {
  const { version } = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
  assert.equal(readSnapshot(root).release, version);
});

test("the extraction sees runtime exports, type-only exports and options, nested ones included", async () => {
  const surface = await current;
  const core = surface.entryPoints["."];
  assert.ok(core?.values.includes("createSessions"), "a function");
  assert.ok(core?.values.includes("ConfigError"), "a class");
  assert.ok(core?.types.includes("SessionsOptions"), "an interface");
  assert.ok(core?.types.includes("Session"), "`export type` of a class is type-only");
  assert.ok(surface.entryPoints["./hono"]?.values.includes("sessions"), "another entry point");
  assert.ok(surface.options.SessionsOptions?.includes("secrets"));
  assert.ok(surface.options.CookieOptions?.includes("sameSite"));
  // A union with a function (`sessions(c => options)`) has the options of its object member.
  assert.deepEqual(surface.options.HonoSessionsOptions, surface.options.SessionsOptions);
});

/** A copy of the project whose snapshot is its own surface: no changes, whatever the tree holds now. */
async function quietCopy(): Promise<{ dir: string; surface: Surface }> {
  const dir = mkdtempSync(join(tmpdir(), "sealed-session-surface-"));
  const configs = readdirSync(root).filter((name) => /^tsconfig.*\.json$/.test(name));
  for (const path of ["src", "package.json", ...configs])
    cpSync(join(root, path), join(dir, path), { recursive: true });
  mkdirSync(join(dir, ".changeset"));
  symlinkSync(join(root, "node_modules"), join(dir, "node_modules"), "dir");
  writeFileSync(join(dir, "CHANGELOG.md"), "# sealed-session\n");
  const surface = await extractSurface(dir);
  writeSnapshot(dir, surface);
  return { dir, surface };
}

test("an export or option added or removed without an entry fails the check, until an entry names it", async () => {
  const { dir, surface } = await quietCopy();
  try {
    assert.deepEqual((await checkSurface(dir, surface)).changes, []);
    // Added: a function, and an options type with one option.
    const index = join(dir, "src", "index.ts");
    writeFileSync(
      index,
      `${readFileSync(index, "utf8")}\nexport const probeExport = () => 1;\n` +
        "export interface ProbeOptions {\n  readonly probeDepth?: number;\n}\n",
    );
    // Removed: what the last release had and the sources no longer do.
    const released = structuredClone(surface);
    released.entryPoints["./hono"]?.values.push("probeRemoved");
    released.options.SessionsOptions?.push("probeGone");
    writeSnapshot(dir, released);

    const changed = await extractSurface(dir);
    const before = await checkSurface(dir, changed);
    assert.deepEqual(before.missing.map(describeChange), [
      "added export sealed-session: probeExport",
      "added type export sealed-session: ProbeOptions",
      "removed export sealed-session/hono: probeRemoved",
      "added option ProbeOptions.probeDepth",
      "removed option SessionsOptions.probeGone",
    ]);
    const message = explainMissing(before);
    assert.match(message, /\.changeset\/<short-name>\.md/);
    assert.match(message, /What to do:/);

    // An entry that names some of them leaves the others failing; prose without backticks names nothing.
    const entry = (body: string) =>
      `---\n"sealed-session": major\n---\n\n${body}\n\nWhat to do: Nothing.\nExisting sessions: Unaffected.\nSoftened by: Nothing needed.\n`;
    writeFileSync(join(dir, ".changeset", "probe.md"), entry("Adds `probeExport()` and ProbeOptions."));
    assert.deepEqual((await checkSurface(dir, changed)).missing.map(describeChange), [
      "added type export sealed-session: ProbeOptions",
      "removed export sealed-session/hono: probeRemoved",
      "added option ProbeOptions.probeDepth",
      "removed option SessionsOptions.probeGone",
    ]);
    writeFileSync(
      join(dir, ".changeset", "probe.md"),
      entry(
        "Adds `probeExport()`, `ProbeOptions` with `probeDepth`; removes `probeRemoved` and `probeGone`.",
      ),
    );
    assert.deepEqual((await checkSurface(dir, changed)).missing, []);

    // Once released, the entry is in the changelog instead: a section newer than the snapshot counts.
    rmSync(join(dir, ".changeset", "probe.md"));
    writeFileSync(
      join(dir, "CHANGELOG.md"),
      `# sealed-session\n\n## 99.0.0\n\n- Adds \`probeExport\`, \`ProbeOptions\`, \`probeDepth\`; removes \`probeRemoved\`, \`probeGone\`.\n\n## ${surface.release}\n`,
    );
    assert.deepEqual((await checkSurface(dir, changed)).missing, []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
