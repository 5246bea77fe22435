// What the published packages hold: `npm publish --dry-run` and `deno publish --dry-run`, read
// back as file lists and checked against one policy (no tests, no fixtures, nothing secret). Used by
// test/runtimes/package/publish.test.ts (in `npm test`) and by `npm run release` (scripts/release.ts).
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";

export interface PackedFile {
  path: string;
  size: number;
}

export interface NpmDryRun {
  files: PackedFile[];
  /** The gzipped tarball, in bytes. */
  size: number;
  unpackedSize: number;
}

export interface JsrDryRun {
  files: PackedFile[];
  output: string;
}

/** Where a published file may come from: anything else is a mistake in "files" or jsr.json. */
const ALLOWED: readonly RegExp[] = [
  /^dist\/.+\.(js|d\.ts|js\.map|d\.ts\.map)$/,
  /^src\/.+\.ts$/,
  /^bin\/[^/]+\.js$/,
  /^(README\.md|LICENSE|CHANGELOG\.md|package\.json|jsr\.json)$/,
];

/** Files that must never ship, and why. */
const FORBIDDEN: readonly [RegExp, string][] = [
  [/(^|\/)tests?\//, "a test directory"],
  [/\.(test|spec|cases)\.[cm]?[jt]sx?$/, "a test file"],
  [/(^|\/)fixtures?\//, "a test fixture"],
  [/(^|\/)\.dev\.vars/, "local secrets (.dev.vars)"],
  [/(^|\/)\.env(\.|$)/, "an environment file"],
  [/(^|\/)\.npmrc$/, "npm credentials"],
  [/\.(pem|key|p8|p12|pfx|jwk|crt)$/, "a key or certificate"],
  [/(^|\/)\.changeset\//, "pending changelog entries"],
  [/(^|\/)(node_modules|\.wrangler|coverage|test-output)\//, "build or test output"],
];

/** Why each path should not be published (empty when all is well). */
export function fileProblems(paths: readonly string[]): string[] {
  const problems: string[] = [];
  for (const path of paths) {
    const forbidden = FORBIDDEN.find(([pattern]) => pattern.test(path));
    if (forbidden) problems.push(`${path}: ${forbidden[1]}`);
    else if (!ALLOWED.some((pattern) => pattern.test(path)))
      problems.push(`${path}: not a file the package ships`);
  }
  return problems;
}

/** Secret strings of this checkout: key material in a local .dev.vars, and the fixtures' test secrets. */
export async function knownSecrets(root: string): Promise<string[]> {
  const secrets = new Set<string>();
  const devVars = join(root, ".dev.vars");
  if (existsSync(devVars)) {
    for (const line of readFileSync(devVars, "utf8").split("\n")) {
      const value = /^\s*[A-Za-z0-9_]+\s*=(.*)$/.exec(line)?.[1];
      // Secrets, lists of them and JWKs alike: every base64/base64url run of 20+ characters.
      for (const match of value?.matchAll(/[A-Za-z0-9_+/=-]{20,}/g) ?? []) secrets.add(match[0]);
    }
  }
  const fixtures = join(root, "test", "fixtures", "upgrade", "index.ts");
  if (existsSync(fixtures)) {
    const { releases } = (await import(fixtures)) as { releases: { secrets: string[] }[] };
    for (const release of releases) for (const secret of release.secrets) secrets.add(secret);
  }
  return [...secrets];
}

/** Which files under `dir` (relative paths given) contain one of `secrets`. */
export function filesWithSecrets(
  dir: string,
  paths: readonly string[],
  secrets: readonly string[],
): string[] {
  if (secrets.length === 0) return [];
  return paths.filter((path) => {
    const text = readFileSync(join(dir, path), "latin1");
    return secrets.some((secret) => text.includes(secret));
  });
}

function run(command: string, args: string[], cwd: string) {
  const result = spawnSync(command, args, {
    cwd,
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1" },
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.status !== 0) {
    throw new Error(
      `${command} ${args.join(" ")} failed (${result.status}):\n${result.stdout}${result.stderr}`,
    );
  }
  return result;
}

const npm = process.platform === "win32" ? "npm.cmd" : "npm";

/**
 * `npm publish --dry-run`: the files and sizes npm would upload (needs a built dist/). `--offline`:
 * without it npm asks the registry who is logged in, which takes over a minute to give up offline.
 */
export function npmPublishDryRun(root: string): NpmDryRun {
  const { stdout } = run(npm, ["publish", "--dry-run", "--json", "--ignore-scripts", "--offline"], root);
  // npm 11 keys the report by package name; older npm gave the report itself.
  const parsed = JSON.parse(stdout) as Record<string, unknown>;
  const report = ("files" in parsed ? parsed : Object.values(parsed)[0]) as NpmDryRun | undefined;
  if (!report) throw new Error(`npm publish --dry-run --json gave no report:\n${stdout}`);
  return {
    files: report.files.map(({ path, size }) => ({ path, size })),
    size: report.size,
    unpackedSize: report.unpackedSize,
  };
}

/** Packs the npm tarball for real into a temporary directory and unpacks it, to read the files. */
export function unpackNpmTarball(root: string): { dir: string; dispose(): void } {
  const dir = mkdtempSync(join(tmpdir(), "sealed-session-pack-"));
  const { stdout } = run(npm, ["pack", "--json", "--ignore-scripts", "--pack-destination", dir], root);
  const [report] = JSON.parse(stdout) as { filename: string }[];
  if (!report) throw new Error(`npm pack --json gave no report:\n${stdout}`);
  run("tar", ["-xzf", join(dir, report.filename), "-C", dir], root);
  return { dir: join(dir, "package"), dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Relative paths of every file under `dir`. */
export function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (at: string) => {
    for (const name of readdirSync(at)) {
      const path = join(at, name);
      if (statSync(path).isDirectory()) walk(path);
      else out.push(relative(dir, path).split("\\").join("/"));
    }
  };
  walk(dir);
  return out.sort();
}

const UNITS: Record<string, number> = { B: 1, KB: 1024, MB: 1024 * 1024 };

/** `deno publish --dry-run`: the files JSR would receive, read from its listing. */
export function jsrPublishDryRun(root: string, deno = join(root, "node_modules", ".bin", "deno")): JsrDryRun {
  // Types are checked by `npm run typecheck` and `deno test`; this is about what JSR accepts.
  const result = spawnSync(deno, ["publish", "--dry-run", "--allow-dirty", "--no-check"], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1" },
  });
  const output = `${result.stdout}${result.stderr}`;
  if (result.status !== 0 || !/Dry run complete/.test(output)) {
    throw new Error(`deno publish --dry-run failed (${result.status}):\n${output}`);
  }
  const files: PackedFile[] = [];
  for (const match of output.matchAll(/^\s*file:\/\/(\S+) \(([\d.]+)(B|KB|MB)\)\s*$/gm)) {
    const path = relative(root, decodeURIComponent(match[1] ?? ""))
      .split("\\")
      .join("/");
    files.push({ path, size: Math.round(Number(match[2]) * (UNITS[match[3] ?? "B"] ?? 1)) });
  }
  if (files.length === 0) throw new Error(`deno publish --dry-run listed no files:\n${output}`);
  return { files, output };
}

export const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
