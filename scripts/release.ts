// `npm run release`: makes a release from the pending changelog entries (.changeset/*.md), without
// publishing it. docs/releasing.md is the maintainer's guide.
//
//   npm run release                      on a clean checkout: version, notes, fixtures, full suite,
//                                        publish dry runs, then a "Release x.y.z" commit and tag vx.y.z
//   npm run release -- --dry             the same on a temporary clone of this checkout (with its
//                                        uncommitted files): nothing here changes, no tag is made here
//   npm run release -- --dry --skip-suite        leave out `npm test` (dry mode only; the tests use it)
//   npm run release -- --dry --keep               keep the clone and print where it is
//   npm run release -- --dry --extra-entry FILE   add FILE as one more entry (rehearse an entry)
//   npm run release -- --json FILE                write what happened as JSON
//
// Steps: check the entries and the public surface; `changeset version` (bumps package.json from the
// entries, writes CHANGELOG.md, deletes the entries); the same version in jsr.json and
// package-lock.json; the release's "Upgrading from" section; upgrade fixtures for the new version;
// the public-surface snapshot of the new version; `npm test`; `npm publish --dry-run` and
// `deno publish --dry-run` with their file lists checked; commit; tag.
import { type SpawnSyncOptions, spawnSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import {
  type Bump,
  highestBump,
  insertUnderHeading,
  parseEntry,
  readEntries,
  renderUpgrade,
} from "./changesets.ts";
import { fileProblems, jsrPublishDryRun, kib, npmPublishDryRun } from "./package-contents.ts";
import { checkSurface, explainMissing, extractSurface, SNAPSHOT, writeSnapshot } from "./public-surface.ts";

/** Everything a release changes: its commit holds these paths and nothing else. */
export const RELEASE_PATHS = [
  "package.json",
  "package-lock.json",
  "jsr.json",
  "CHANGELOG.md",
  ".changeset",
  "test/fixtures/upgrade",
] as const;

export interface ReleaseReport {
  dry: boolean;
  /** Where the release was made: the checkout itself, or the temporary clone (kept with --keep). */
  dir: string;
  previous: string;
  version: string;
  bump: Bump;
  tag: string;
  entries: string[];
  suite: "passed" | "skipped";
  npm: { files: number; packedBytes: number; unpackedBytes: number };
  jsr: { files: number; bytes: number };
}

class ReleaseError extends Error {
  override name = "ReleaseError";
}

interface Args {
  dry: boolean;
  skipSuite: boolean;
  keep: boolean;
  extraEntries: string[];
  json: string | undefined;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { dry: false, skipSuite: false, keep: false, extraEntries: [], json: undefined };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--dry") args.dry = true;
    else if (arg === "--skip-suite") args.skipSuite = true;
    else if (arg === "--keep") args.keep = true;
    else if (arg === "--extra-entry" && argv[i + 1]) args.extraEntries.push(resolve(argv[++i] ?? ""));
    else if (arg === "--json" && argv[i + 1]) args.json = resolve(argv[++i] ?? "");
    else throw new ReleaseError(`unknown argument ${arg}; see the top of scripts/release.ts`);
  }
  if (args.skipSuite && !args.dry)
    throw new ReleaseError("--skip-suite is for --dry runs only: a release runs npm test");
  if (args.keep && !args.dry) throw new ReleaseError("--keep is for --dry runs only");
  if (args.extraEntries.length > 0 && !args.dry) {
    throw new ReleaseError("--extra-entry is for --dry runs only: commit real entries to .changeset/");
  }
  return args;
}

const log = (message: string) => console.log(`release: ${message}`);

function sh(command: string, args: string[], options: SpawnSyncOptions & { cwd: string; quiet?: boolean }) {
  const result = spawnSync(command, args, {
    encoding: "utf8",
    stdio: options.quiet ? "pipe" : "inherit",
    ...options,
  });
  if (result.status !== 0) {
    const output = options.quiet ? `\n${result.stdout ?? ""}${result.stderr ?? ""}` : "";
    throw new ReleaseError(
      `${command} ${args.join(" ")} failed with ${result.status ?? result.signal}${output}`,
    );
  }
  return String(result.stdout ?? "");
}

const git = (cwd: string, ...args: string[]) => sh("git", args, { cwd, quiet: true }).trim();

/** PATH with the project's node_modules/.bin first, so tools run on the project's Node 24. */
function projectEnv(dir: string): NodeJS.ProcessEnv {
  const bin = join(dir, "node_modules", ".bin");
  return { ...process.env, PATH: `${bin}:${process.env.PATH ?? ""}`, WRANGLER_SEND_METRICS: "false" };
}

/**
 * A temporary clone of `root` with its working tree as it is now (modified and untracked files
 * copied, deleted ones deleted) and its node_modules linked: a dry run works there and leaves `root`,
 * its index and its tags alone.
 */
function dryClone(root: string): string {
  const dir = mkdtempSync(join(tmpdir(), "sealed-session-release-"));
  git(root, "clone", "--quiet", "--no-hardlinks", root, dir);
  const changed = git(root, "ls-files", "-z", "--modified", "--others", "--exclude-standard").split("\0");
  for (const path of changed.filter(Boolean)) {
    const from = join(root, path);
    const to = join(dir, path);
    if (existsSync(from)) {
      mkdirSync(dirname(to), { recursive: true });
      copyFileSync(from, to);
    } else {
      rmSync(to, { force: true });
    }
  }
  for (const path of git(root, "ls-files", "-z", "--deleted").split("\0").filter(Boolean))
    rmSync(join(dir, path), { force: true });
  symlinkSync(join(root, "node_modules"), join(dir, "node_modules"), "dir");
  // .gitignore's "node_modules/" matches directories only, not this link.
  mkdirSync(join(dir, ".git", "info"), { recursive: true });
  writeFileSync(join(dir, ".git", "info", "exclude"), "/node_modules\n", { flag: "a" });
  // The clone needs an identity to commit, whatever the machine's git config says.
  git(dir, "config", "user.name", "sealed-session release (dry run)");
  git(dir, "config", "user.email", "release-dry-run@localhost");
  return dir;
}

const readVersion = (dir: string) =>
  (JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { version: string }).version;

/** Sets the version in jsr.json and package-lock.json, touching nothing else in them. */
function syncVersion(dir: string, previous: string, version: string) {
  const jsrPath = join(dir, "jsr.json");
  const jsr = readFileSync(jsrPath, "utf8").replace(/("version":\s*")[^"]*(")/, `$1${version}$2`);
  writeFileSync(jsrPath, jsr);
  const lockPath = join(dir, "package-lock.json");
  let count = 0;
  // The root package's version appears twice at the top: the lock's own and packages[""].version.
  const lock = readFileSync(lockPath, "utf8").replace(
    new RegExp(`("version": ")${previous}(")`, "g"),
    (match, a, b) => (++count <= 2 ? `${a}${version}${b}` : match),
  );
  const parsed = JSON.parse(lock) as { version: string; packages: Record<string, { version?: string }> };
  if (parsed.version !== version || parsed.packages[""]?.version !== version) {
    throw new ReleaseError(
      "package-lock.json: could not set the root package's version; run npm install and retry",
    );
  }
  writeFileSync(lockPath, lock);
  if ((JSON.parse(jsr) as { version: string }).version !== version)
    throw new ReleaseError("jsr.json: version not set");
}

export async function release(argv: string[]): Promise<ReleaseReport> {
  const args = parseArgs(argv);
  const root = resolve(import.meta.dirname, "..");
  if (!args.dry) {
    const dirty = git(root, "status", "--porcelain");
    if (dirty !== "")
      throw new ReleaseError(`commit or remove these first (a release starts clean):\n${dirty}`);
  }
  const dir = args.dry ? dryClone(root) : root;
  log(args.dry ? `dry run in ${dir} (this checkout is not touched)` : `releasing in ${dir}`);
  try {
    for (const file of args.extraEntries) {
      const id = `rehearsal-${basename(file, ".md")}`;
      parseEntry(id, readFileSync(file, "utf8"));
      copyFileSync(file, join(dir, ".changeset", `${id}.md`));
    }
    const report = await releaseIn(dir, args);
    if (args.json) writeFileSync(args.json, `${JSON.stringify(report, null, 2)}\n`);
    return report;
  } finally {
    if (args.dry && !args.keep) rmSync(dir, { recursive: true, force: true });
    else if (args.dry) log(`kept the clone: ${dir}`);
  }
}

async function releaseIn(dir: string, args: Args): Promise<ReleaseReport> {
  const env = projectEnv(dir);
  // 1. The entries are well formed, and every change to the public surface is named in one.
  const entries = readEntries(dir);
  if (entries.length === 0) throw new ReleaseError("nothing to release: .changeset/ holds no entries");
  const bump = highestBump(entries) as Bump;
  const surface = await checkSurface(dir);
  if (surface.missing.length > 0) throw new ReleaseError(explainMissing(surface));
  const previous = readVersion(dir);
  log(`${entries.length} entries, a ${bump} release after ${previous}`);

  // 2. changesets bumps package.json and writes the change lists into CHANGELOG.md.
  sh(join(dir, "node_modules", ".bin", "changeset"), ["version"], {
    cwd: dir,
    env: { ...env, SEALED_SESSION_RELEASE: "1" },
    quiet: true,
  });
  const version = readVersion(dir);
  const tag = `v${version}`;
  if (git(dir, "tag", "--list", tag) !== "") throw new ReleaseError(`tag ${tag} exists already`);
  syncVersion(dir, previous, version);

  // 3. The release's upgrade notes, from the entries just consumed.
  const changelogPath = join(dir, "CHANGELOG.md");
  const previousHasFixtures = existsSync(join(dir, "test", "fixtures", "upgrade", `${previous}.ts`));
  const upgrade = renderUpgrade(entries, { version, previous, previousHasFixtures });
  writeFileSync(changelogPath, insertUnderHeading(readFileSync(changelogPath, "utf8"), version, upgrade));
  // Biome formats Markdown too: the release commit must pass `npm run lint`.
  sh(join(dir, "node_modules", ".bin", "biome"), ["format", "--write", "CHANGELOG.md"], {
    cwd: dir,
    quiet: true,
  });

  // 4. Cookies this release writes, for every later release to load; its public surface.
  sh(process.execPath, [join("scripts", "upgrade-fixtures.ts")], { cwd: dir, env, quiet: true });
  writeSnapshot(dir, await extractSurface(dir));
  log(`version ${version}: CHANGELOG.md, jsr.json, package-lock.json, fixtures and ${SNAPSHOT} written`);

  // 5. The whole suite (which builds dist/), or only the build in a dry run that skips it.
  if (args.skipSuite) {
    log("--skip-suite: not running npm test; building dist/ for the dry runs");
    sh("npm", ["run", "-s", "build"], { cwd: dir, env, quiet: true });
  } else {
    log("npm test (the full suite; several minutes)");
    sh("npm", ["test"], { cwd: dir, env });
  }

  // 6. What npm and JSR would receive, checked.
  const npm = npmPublishDryRun(dir);
  const jsr = jsrPublishDryRun(dir);
  const problems = fileProblems([...npm.files, ...jsr.files].map((file) => file.path));
  if (problems.length > 0)
    throw new ReleaseError(`the packages would ship files they must not:\n${problems.join("\n")}`);
  const jsrBytes = jsr.files.reduce((sum, file) => sum + file.size, 0);
  log(`npm: ${npm.files.length} files, ${kib(npm.size)} packed, ${kib(npm.unpackedSize)} unpacked`);
  log(`JSR: ${jsr.files.length} files, about ${kib(jsrBytes)}`);

  // 7. One commit with everything the release changed, and its tag.
  git(
    dir,
    "add",
    "--all",
    "--",
    "package.json",
    "package-lock.json",
    "jsr.json",
    "CHANGELOG.md",
    ".changeset",
  );
  git(dir, "add", "--all", "--", join("test", "fixtures", "upgrade"));
  git(dir, "commit", "--quiet", "-m", `Release ${version}`);
  git(dir, "tag", "-a", tag, "-m", `sealed-session ${version}`);
  log(`committed "Release ${version}" and tagged ${tag}${args.dry ? " (in the clone only)" : ""}`);
  if (!args.dry) {
    log("not published. Next: git push --follow-tags; npm publish; npx deno publish (docs/releasing.md)");
  }
  return {
    dry: args.dry,
    dir,
    previous,
    version,
    bump,
    tag,
    entries: entries.map((entry) => entry.id),
    suite: args.skipSuite ? "skipped" : "passed",
    npm: { files: npm.files.length, packedBytes: npm.size, unpackedBytes: npm.unpackedSize },
    jsr: { files: jsr.files.length, bytes: jsrBytes },
  };
}

if (import.meta.main) {
  try {
    const report = await release(process.argv.slice(2));
    log(
      `${report.dry ? "dry run complete" : "release made"}: ${report.previous} → ${report.version} (${report.tag})`,
    );
  } catch (error) {
    console.error(`release: ${error instanceof ReleaseError ? error.message : error}`);
    process.exitCode = 1;
  }
}
