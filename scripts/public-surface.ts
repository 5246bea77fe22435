// The public surface of sealed-session: every name each entry point in package.json "exports"
// offers (runtime values from importing it, type-only names from the TypeScript checker) and the
// option names of every exported type whose name ends in "Options" (nested inline objects as
// "parent.child"). `.changeset/public-surface.json` holds the surface of the last release; a
// difference from it must be named in a pending changeset or a newer changelog section
// (test/runtimes/package/surface.test.ts).
//
//   node scripts/public-surface.ts            prints the differences and which ones lack an entry
//   node scripts/public-surface.ts --write    rewrites the snapshot (npm run release does this)
//
// TypeScript 7 is the native compiler; its checker is reached through `typescript/unstable/sync`
// (a tsgo process answering over a pipe). That API is young: if it changes shape, this script
// fails loudly rather than reporting a wrong surface.
import { spawn, spawnSync } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import {
  API,
  type Checker,
  ObjectFlags,
  SignatureKind,
  SymbolFlags,
  type Symbol as TsSymbol,
  type Type,
} from "typescript/unstable/sync";

export const SNAPSHOT = ".changeset/public-surface.json";

export interface EntryPointSurface {
  /** Names a program can import at run time. */
  values: string[];
  /** Names that exist only for TypeScript (interfaces, type aliases). */
  types: string[];
}

export interface Surface {
  /** The release this surface belongs to (the snapshot), or the version in package.json. */
  release: string;
  /** Keyed by the subpath in package.json "exports" ("." for the package itself). */
  entryPoints: Record<string, EntryPointSurface>;
  /** Option names of each exported `…Options` type, keyed by the type's name. */
  options: Record<string, string[]>;
}

export interface SurfaceChange {
  change: "added" | "removed";
  kind: "export" | "type export" | "option";
  /** The entry point ("sealed-session/hono") or the options type ("SessionsOptions"). */
  where: string;
  /** The export name, or the option name (dotted for nested options). */
  name: string;
}

interface PackageJson {
  version: string;
  exports: Record<string, string | { types: string; default: string }>;
}

const readPackage = (root: string): PackageJson =>
  JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as PackageJson;

/** The TypeScript source of a built entry point: tsconfig.build.json compiles src/ to dist/. */
export function sourceOfEntryPoint(target: string): string {
  const source = target.replace(/^\.\/dist\//, "./src/").replace(/\.js$/, ".ts");
  if (source === target) throw new Error(`package.json export ${target} is not under ./dist/`);
  return source;
}

/** Entry points from package.json "exports": subpath → source file, package.json itself left out. */
export function entryPoints(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [subpath, target] of Object.entries(readPackage(root).exports)) {
    if (subpath === "./package.json") continue;
    out[subpath] = sourceOfEntryPoint(typeof target === "string" ? target : target.default);
  }
  return out;
}

const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** The export names of `cloudflare:workers` (@cloudflare/workers-types), as empty stand-ins. */
const CLOUDFLARE_STUB = [
  ..."DurableObject RpcStub RpcTarget WorkerEntrypoint WorkflowEntrypoint WorkflowStep"
    .split(" ")
    .map((name) => `export class ${name} {}`),
  ..."cache env exports tracing".split(" ").map((name) => `export const ${name} = {};`),
  ..."waitUntil withEnv withEnvAndExports withExports"
    .split(" ")
    .map((name) => `export function ${name}() {}`),
].join("\n");

/**
 * Names each entry point gives a program at run time, from importing it in a fresh Node process (one
 * that has not cached an earlier version of these files). It runs while TypeScript reads the types.
 */
function runtimeExports(root: string, points: Record<string, string>): Promise<Record<string, string[]>> {
  const urls = Object.fromEntries(
    Object.entries(points).map(([subpath, source]) => [subpath, pathToFileURL(join(root, source)).href]),
  );
  // Entry points that only run on Workers import `cloudflare:workers`, which Node cannot load: a stub
  // with its export names stands in (reading names needs no behaviour). A name missing here fails
  // the import with "does not provide an export named …": add it to CLOUDFLARE_STUB.
  const script =
    'import { registerHooks } from "node:module";' +
    `const stub = "data:text/javascript," + encodeURIComponent(${JSON.stringify(CLOUDFLARE_STUB)});` +
    "registerHooks({ resolve: (specifier, context, next) =>" +
    ' specifier.startsWith("cloudflare:") ? { url: stub, shortCircuit: true } : next(specifier, context) });' +
    "const out = {};" +
    `for (const [subpath, url] of Object.entries(${JSON.stringify(urls)})) out[subpath] = Object.keys(await import(url)).sort();` +
    "process.stdout.write(JSON.stringify(out));";
  const child = spawn(process.execPath, ["--input-type=module", "--eval", script], { cwd: root });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString("utf8");
  });
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString("utf8");
  });
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => {
      if (code === 0) resolve(JSON.parse(stdout) as Record<string, string[]>);
      else reject(new Error(`importing the entry points failed (${code}):\n${stderr}`));
    });
  });
}

/** What TypeScript sees: every exported name per entry point, and the option names of `…Options` types. */
function typeSurface(root: string, points: Record<string, string>) {
  const api = new API({ cwd: root });
  try {
    // Every build config: an entry point with its own (e.g. Workers-only types) is in one of them.
    const configs = readdirSync(root)
      .filter((name) => /^tsconfig\.build.*\.json$/.test(name))
      .map((name) => join(root, name));
    const snapshot = api.updateSnapshot({ openProjects: configs });
    const projects = configs.map((config) => {
      const project = snapshot.getProject(config);
      if (!project) throw new Error(`TypeScript did not open ${config}`);
      return project;
    });
    const exported: Record<string, string[]> = {};
    const options: Surface["options"] = {};
    for (const [subpath, source] of Object.entries(points)) {
      const path = join(root, source);
      const project = projects.find((candidate) => candidate.program.getSourceFile(path) !== undefined);
      const checker = project?.checker;
      const file = project?.program.getSourceFile(path);
      const moduleSymbol = file && checker?.getSymbolAtLocation(file);
      if (!checker || !moduleSymbol) {
        throw new Error(`no tsconfig.build*.json compiles ${source}, or TypeScript found no module there`);
      }
      const names: string[] = [];
      for (const symbol of checker.getExportsOfModule(moduleSymbol)) {
        names.push(symbol.name);
        const target = symbol.flags & SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
        if (symbol.name.endsWith("Options") && target.flags & SymbolFlags.Type)
          options[symbol.name] ??= optionNames(checker, checker.getDeclaredTypeOfSymbol(target));
      }
      exported[subpath] = names;
    }
    return { exported, options };
  } finally {
    api.close();
  }
}

/** Reads the surface of the project at `root` (its src/, its package.json). */
export async function extractSurface(root: string): Promise<Surface> {
  const points = entryPoints(root);
  const importing = runtimeExports(root, points);
  let types: ReturnType<typeof typeSurface>;
  try {
    types = typeSurface(root, points);
  } finally {
    await importing.catch(() => undefined); // never leave the child's result unhandled
  }
  const runtime = await importing;
  const entry: Surface["entryPoints"] = {};
  for (const [subpath, source] of Object.entries(points)) {
    const values = runtime[subpath] ?? [];
    const names = types.exported[subpath] ?? [];
    // A name exported at run time that the checker does not see means the two readings disagree.
    const unseen = values.filter((name) => !names.includes(name));
    if (unseen.length > 0)
      throw new Error(`${source}: TypeScript does not see the exports ${unseen.join(", ")}`);
    // Type-only exports (`export type { Session }` of a class too) are what the import does not give.
    entry[subpath] = { values, types: names.filter((name) => !values.includes(name)).sort(byName) };
  }
  const options = Object.fromEntries(Object.entries(types.options).sort(([a], [b]) => byName(a, b)));
  return { release: readPackage(root).version, entryPoints: entry, options };
}

/**
 * Property names of an options type. A union contributes every member's properties (functions
 * that return options, as `sessions(c => options)` takes, contribute none); a property whose type is
 * an inline object literal contributes its own names as "parent.child".
 */
function optionNames(checker: Checker, type: Type, prefix = "", depth = 0): string[] {
  const names = new Set<string>();
  const members = type.isUnionType() ? type.getTypes() : [type];
  for (const member of members) {
    const properties = checker.getPropertiesOfType(member);
    if (properties.length === 0) continue;
    for (const property of properties) {
      const name = `${prefix}${property.name}`;
      names.add(name);
      if (depth < 3)
        for (const nested of inlineObjectNames(checker, property, name, depth)) names.add(nested);
    }
  }
  return [...names].sort(byName);
}

function inlineObjectNames(checker: Checker, property: TsSymbol, name: string, depth: number): string[] {
  const declared = checker.getTypeOfSymbol(property);
  const type = declared && checker.getNonNullableType(declared);
  if (!type?.isObjectType() || !(type.objectFlags & ObjectFlags.Anonymous)) return [];
  if (checker.getSignaturesOfType(type, SignatureKind.Call).length > 0) return [];
  if (((type.getSymbol()?.flags ?? 0) & SymbolFlags.TypeLiteral) === 0) return [];
  return optionNames(checker, type, `${name}.`, depth + 1);
}

/** Every difference between two surfaces, in a stable order. */
export function diffSurface(before: Surface, after: Surface): SurfaceChange[] {
  const changes: SurfaceChange[] = [];
  const compare = (kind: SurfaceChange["kind"], where: string, old: string[], now: string[]) => {
    for (const name of now) if (!old.includes(name)) changes.push({ change: "added", kind, where, name });
    for (const name of old) if (!now.includes(name)) changes.push({ change: "removed", kind, where, name });
  };
  const subpaths = new Set([...Object.keys(before.entryPoints), ...Object.keys(after.entryPoints)]);
  for (const subpath of [...subpaths].sort(byName)) {
    const where = subpath === "." ? "sealed-session" : `sealed-session/${subpath.slice(2)}`;
    const old = before.entryPoints[subpath] ?? { values: [], types: [] };
    const now = after.entryPoints[subpath] ?? { values: [], types: [] };
    compare("export", where, old.values, now.values);
    compare("type export", where, old.types, now.types);
  }
  const types = new Set([...Object.keys(before.options), ...Object.keys(after.options)]);
  for (const type of [...types].sort(byName))
    compare("option", type, before.options[type] ?? [], after.options[type] ?? []);
  return changes;
}

/** "added option SessionsOptions.cacheControl", "removed export sealed-session/hono: foo". */
export function describeChange(change: SurfaceChange): string {
  return change.kind === "option"
    ? `${change.change} option ${change.where}.${change.name}`
    : `${change.change} ${change.kind} ${change.where}: ${change.name}`;
}

/** Code spans (`…`) of a markdown text. */
function codeSpans(text: string): string[] {
  return [...text.matchAll(/`([^`\n]+)`/g)].map((match) => match[1] ?? "");
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * Whether `texts` name the change: some code span holds the name as a whole identifier
 * (`cacheControl`, `SessionsOptions.cacheControl`, `sessions({ cacheControl })`). Nested options may
 * be named by their last part.
 */
export function isNamed(change: SurfaceChange, texts: readonly string[]): boolean {
  const last = change.name.split(".").pop() ?? change.name;
  const wanted = new RegExp(`(?<![\\w$])(?:${escapeRegExp(change.name)}|${escapeRegExp(last)})(?![\\w$])`);
  return texts.some((text) => codeSpans(text).some((span) => wanted.test(span)));
}

/** Texts that may name a change: pending changesets, and changelog sections newer than `release`. */
export function entryTexts(root: string, release: string): string[] {
  const dir = join(root, ".changeset");
  const pending = readdirSync(dir)
    .filter((name) => name.endsWith(".md") && name !== "README.md")
    .map((name) => readFileSync(join(dir, name), "utf8"));
  let changelog = "";
  try {
    changelog = readFileSync(join(root, "CHANGELOG.md"), "utf8");
  } catch {
    // No changelog yet: only pending changesets can name a change.
  }
  const newer = changelog.split(/^(?=## \d)/m).filter((section) => {
    const version = /^## (\d+\.\d+\.\d+\S*)/.exec(section)?.[1];
    return version !== undefined && compareVersions(version, release) > 0;
  });
  return [...pending, ...newer];
}

/** Orders release versions (x.y.z, prereleases before their release). */
export function compareVersions(a: string, b: string): number {
  const parse = (version: string) => {
    const [core = "", pre] = version.split("-", 2);
    return { parts: core.split(".").map(Number), pre };
  };
  const x = parse(a);
  const y = parse(b);
  for (let i = 0; i < 3; i++) {
    const diff = (x.parts[i] ?? 0) - (y.parts[i] ?? 0);
    if (diff !== 0) return diff;
  }
  if (x.pre === y.pre) return 0;
  if (x.pre === undefined) return 1;
  if (y.pre === undefined) return -1;
  return x.pre.localeCompare(y.pre, "en", { numeric: true });
}

export interface SurfaceCheck {
  release: string;
  changes: SurfaceChange[];
  missing: SurfaceChange[];
}

export function readSnapshot(root: string): Surface {
  return JSON.parse(readFileSync(join(root, SNAPSHOT), "utf8")) as Surface;
}

/** Compares the project at `root` (or its surface read earlier, `current`) with its release snapshot. */
export async function checkSurface(root: string, current?: Surface): Promise<SurfaceCheck> {
  const snapshot = readSnapshot(root);
  const changes = diffSurface(snapshot, current ?? (await extractSurface(root)));
  const texts = entryTexts(root, snapshot.release);
  return { release: snapshot.release, changes, missing: changes.filter((change) => !isNamed(change, texts)) };
}

/** What to do when changes lack an entry: the message the test fails with. */
export function explainMissing(check: SurfaceCheck): string {
  return [
    `The public surface changed since release ${check.release}, and no changelog entry names:`,
    ...check.missing.map((change) => `  - ${describeChange(change)}`),
    "",
    'Add an entry: a new file .changeset/<short-name>.md (how-to: docs/releasing.md, "Writing an entry"),',
    "naming each item above in backticks, like this:",
    "",
    "  ---",
    '  "sealed-session": minor        <- major if it removes or renames anything, or logs anyone out',
    "  ---",
    "",
    "  One line for users: what changed, naming `theExport` or `SomeOptions.theOption`.",
    "",
    "  Optional detail.",
    "",
    "  What to do: what an app changes on upgrade, or Nothing.",
    "  Existing sessions: what happens to cookies users hold, or Unaffected.",
    "  Softened by: the options that ease it, or Nothing needed.",
    "",
    `Leave ${SNAPSHOT} alone: it is release ${check.release}'s surface, and \`npm run release\` rewrites it.`,
    "Check again: npm run -s surface   (or: node --test test/runtimes/package/surface.test.ts)",
  ].join("\n");
}

export function writeSnapshot(root: string, surface: Surface): void {
  const path = join(root, SNAPSHOT);
  writeFileSync(path, `${JSON.stringify(surface, null, 2)}\n`);
  // Formatted as the linter wants it, so `npm run lint` stays clean after a release.
  const biome = spawnSync(join(root, "node_modules", ".bin", "biome"), ["format", "--write", path], {
    cwd: root,
    encoding: "utf8",
  });
  if (biome.status !== 0) throw new Error(`biome format ${SNAPSHOT} failed: ${biome.stdout}${biome.stderr}`);
}

if (import.meta.main) {
  const root = join(import.meta.dirname, "..");
  if (process.argv.includes("--write")) {
    const surface = await extractSurface(root);
    writeSnapshot(root, surface);
    console.log(`wrote ${SNAPSHOT} for ${surface.release}`);
  } else {
    const check = await checkSurface(root);
    for (const change of check.changes) {
      const named = !check.missing.includes(change);
      console.log(`${named ? "named  " : "MISSING"} ${describeChange(change)}`);
    }
    console.log(
      `${check.changes.length} changes since ${check.release}, ${check.missing.length} without an entry`,
    );
    if (check.missing.length > 0) {
      console.error(`\n${explainMissing(check)}`);
      process.exitCode = 1;
    }
  }
}
