// Changelog entries ("changesets", .changeset/*.md) as this project writes them, and the parts of
// CHANGELOG.md built from them. Used by the changelog generator (.changeset/changelog.mjs), by
// `npm run release` (scripts/release.ts) and by the tests in test/runtimes/package/.
//
// An entry:
//
//   ---
//   "sealed-session": minor
//   ---
//
//   One line that says what changed, for a user.
//
//   Optional detail: paragraphs, lists, code.
//
//   What to do: what an app must change on upgrade, or "Nothing."
//   Existing sessions: what happens to cookies and sessions users already hold.
//   Softened by: the options that ease the change, or "Nothing needed."
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

export const PACKAGE = "sealed-session";
export const BUMPS = ["major", "minor", "patch"] as const;
export type Bump = (typeof BUMPS)[number];

/** The three upgrade notes every entry carries, in the order they are written and rendered. */
export const NOTES = [
  ["whatToDo", "What to do:"],
  ["existingSessions", "Existing sessions:"],
  ["softenedBy", "Softened by:"],
] as const;
type NoteKey = (typeof NOTES)[number][0];

export interface EntryBody extends Record<NoteKey, string> {
  /** The first line: what changed. */
  headline: string;
  /** Everything between the headline and the notes (markdown, possibly empty). */
  detail: string;
}

export interface Entry extends EntryBody {
  /** The file name without `.md`, as changesets calls it. */
  id: string;
  bump: Bump;
  /** The whole file, for finding names the entry mentions. */
  text: string;
}

/** A changeset that does not follow the format; the message says what to change. */
export class EntryFormatError extends Error {
  override name = "EntryFormatError";
}

const NOTE_LINE = new RegExp(`^(${NOTES.map(([, label]) => label).join("|")})\\s*(.*)$`);

/** Splits an entry's markdown (without front matter) into headline, detail and notes. */
export function parseBody(summary: string, where = "changeset"): EntryBody {
  const lines = summary.replace(/\r\n/g, "\n").trim().split("\n");
  const headline = (lines.shift() ?? "").trim();
  if (headline === "" || headline.startsWith("#"))
    throw new EntryFormatError(`${where}: start with one line that says what changed (not a heading)`);
  const notes: Partial<Record<NoteKey, string>> = {};
  const detail: string[] = [];
  let current: NoteKey | undefined;
  for (const line of lines) {
    const match = NOTE_LINE.exec(line.trim());
    if (match) {
      const key = NOTES.find(([, label]) => label === match[1])?.[0];
      if (key === undefined) continue;
      if (notes[key] !== undefined) throw new EntryFormatError(`${where}: "${match[1]}" appears twice`);
      current = key;
      notes[key] = match[2] ?? "";
    } else if (current !== undefined && line.trim() !== "") {
      notes[current] = `${notes[current]} ${line.trim()}`.trim();
    } else if (current !== undefined) {
      current = undefined; // a blank line ends a note
    } else if (Object.keys(notes).length > 0 && line.trim() !== "") {
      throw new EntryFormatError(`${where}: put the detail before "What to do:"; the three notes come last`);
    } else {
      detail.push(line);
    }
  }
  const missing = NOTES.filter(([key]) => !notes[key]?.trim()).map(([, label]) => `"${label}"`);
  if (missing.length > 0) {
    throw new EntryFormatError(
      `${where}: end with the three upgrade notes, one line each: "What to do:", "Existing sessions:", ` +
        `"Softened by:" (write "Nothing." where nothing applies); missing ${missing.join(", ")}`,
    );
  }
  return {
    headline,
    detail: detail.join("\n").trim(),
    whatToDo: notes.whatToDo ?? "",
    existingSessions: notes.existingSessions ?? "",
    softenedBy: notes.softenedBy ?? "",
  };
}

/** Parses a whole changeset file: front matter naming this package once, then the body. */
export function parseEntry(id: string, source: string): Entry {
  const where = `.changeset/${id}.md`;
  const match = /^---\r?\n([\s\S]*?)\r?\n---\r?\n([\s\S]*)$/.exec(source.trimStart());
  if (!match) throw new EntryFormatError(`${where}: start with front matter: ---, "${PACKAGE}": patch, ---`);
  const releases = (match[1] ?? "")
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "");
  const release = /^["']?([^"':]+)["']?\s*:\s*(\w+)$/.exec(releases[0] ?? "");
  if (releases.length !== 1 || !release || release[1] !== PACKAGE) {
    throw new EntryFormatError(`${where}: the front matter must be exactly one line, "${PACKAGE}": <bump>`);
  }
  const bump = release[2] as Bump;
  if (!BUMPS.includes(bump))
    throw new EntryFormatError(`${where}: the bump must be major, minor or patch, not "${release[2]}"`);
  return { id, bump, text: source, ...parseBody(match[2] ?? "", where) };
}

/** The pending entries in `<root>/.changeset`, oldest name first. */
export function readEntries(root: string): Entry[] {
  const dir = join(root, ".changeset");
  return readdirSync(dir)
    .filter((name) => name.endsWith(".md") && name !== "README.md")
    .sort()
    .map((name) => parseEntry(name.slice(0, -3), readFileSync(join(dir, name), "utf8")));
}

/** The release type the entries call for, or undefined when there are none. */
export function highestBump(entries: readonly Pick<Entry, "bump">[]): Bump | undefined {
  return BUMPS.find((bump) => entries.some((entry) => entry.bump === bump));
}

const LABEL: Record<Bump, string> = { major: "breaking", minor: "feature", patch: "fix" };

const indent = (text: string, by: string) =>
  text
    .split("\n")
    .map((line) => (line.trim() === "" ? "" : `${by}${line}`))
    .join("\n");

/**
 * One entry in a release's change list: the headline and the detail. No commit hash: for an entry
 * written after its change (a backfill) the commit that added the entry would mislead. The trailing
 * blank line keeps changesets from gluing the next item to this one's detail.
 */
export function renderChange(body: EntryBody): string {
  const head = `- ${body.headline}`;
  return `${body.detail === "" ? head : `${head}\n\n${indent(body.detail, "  ")}`}\n\n`;
}

export interface UpgradeContext {
  /** The version being released. */
  version: string;
  /** The version it follows. */
  previous: string;
  /** Whether test/fixtures/upgrade/<previous>.ts exists (cookies that release wrote). */
  previousHasFixtures: boolean;
}

/** The "### Upgrading from …" section of a release: every entry's notes, breaking ones first. */
export function renderUpgrade(entries: readonly Entry[], context: UpgradeContext): string {
  const { version, previous } = context;
  const fixture = (release: string) => `\`test/fixtures/upgrade/${release}.ts\``;
  const loads = context.previousHasFixtures
    ? `Cookies and sealed values that ${previous} wrote load under ${version}: ${fixture(previous)} runs in \`npm test\`.`
    : "";
  const intro =
    highestBump(entries) === "major"
      ? `**Breaking release.** Read the entries marked breaking before you deploy. ${loads}`
      : `Nothing in this release is breaking (README, "Versioning and upgrades"). ${loads}`;
  const sorted = BUMPS.flatMap((bump) => entries.filter((entry) => entry.bump === bump));
  const items = sorted.map((entry) =>
    [
      `- **${entry.headline}** (${LABEL[entry.bump]})`,
      ...NOTES.map(([key, label]) => `  - ${label} ${entry[key]}`),
    ].join("\n"),
  );
  return [
    `### Upgrading from ${previous}`,
    intro.trim(),
    ...items,
    `Upgrade fixtures: ${fixture(version)} holds cookies and sealed values that ${version} wrote; ` +
      "every later release loads them in `npm test`.",
  ].join("\n\n");
}

/** Inserts `section` right under the `## <version>` heading of a changelog. */
export function insertUnderHeading(changelog: string, version: string, section: string): string {
  const heading = new RegExp(`^## ${version.replace(/\./g, "\\.")}[ \\t]*\\n`, "m");
  const match = heading.exec(changelog);
  if (!match) throw new Error(`CHANGELOG.md has no "## ${version}" heading to add the upgrade notes under`);
  const at = match.index + match[0].length;
  return `${changelog.slice(0, at)}\n${section.trim()}\n${changelog.slice(at)}`;
}

/** The release sections of a changelog, keyed by version, newest first as written. */
export function releaseSections(changelog: string): Map<string, string> {
  const sections = new Map<string, string>();
  for (const part of changelog.split(/^(?=## \d)/m)) {
    const version = /^## (\d+\.\d+\.\d+\S*)/.exec(part)?.[1];
    if (version !== undefined) sections.set(version, part);
  }
  return sections;
}
