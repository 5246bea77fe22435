// `npm run adapters:cost [-- --check]`: what each framework adapter adds to an app that already uses
// the core, bundled from dist/ (run `npm run build` first) with esbuild, minified, the framework left
// out. Rewrites the table between the markers in README.md; `--check` only compares, and fails when
// the README is stale (test/runtimes/package/docs.test.ts runs it). The framework tests use the same
// measure (bundleCost, moduleGraph) for what they check of each adapter.
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { build as esbuild } from "esbuild";

const root = fileURLToPath(new URL("../", import.meta.url));

/** Every module a built entry point imports, following relative imports in dist/ and listing bare ones. */
export function moduleGraph(entry: string): string[] {
  const seen = new Set<string>();
  const walk = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const code = readFileSync(file, "utf8");
    for (const [, specifier = ""] of code.matchAll(/(?:from|import)\s*["']([^"']+)["']/g)) {
      if (specifier.startsWith(".")) walk(join(file, "..", specifier));
      else seen.add(specifier);
    }
  };
  walk(entry);
  return [...seen];
}

/**
 * What an adapter adds to an app that already uses the core: both bundled from dist/ with esbuild,
 * minified, the framework (`external`) left out — an app has it anyway. Returns the bundle's bare
 * imports too.
 */
export async function bundleCost(
  adapter: string,
  external: readonly string[],
): Promise<{ raw: number; gzip: number; imports: string[] }> {
  const bundle = async (contents: string) => {
    const result = await esbuild({
      stdin: { contents, resolveDir: root, loader: "js" },
      bundle: true,
      minify: true,
      format: "esm",
      platform: "neutral",
      mainFields: ["module", "main"],
      // Not the root tsconfig's paths (they point at src/): the package as installed.
      tsconfigRaw: "{}",
      external: [...external],
      write: false,
      logLevel: "error",
    });
    const code = result.outputFiles[0]?.contents ?? new Uint8Array();
    const text = new TextDecoder().decode(code);
    return {
      raw: code.byteLength,
      gzip: gzipSync(code).byteLength,
      imports: [...text.matchAll(/from"([^"]+)"/g)].map((m) => m[1] ?? ""),
    };
  };
  const core = await bundle(
    `import { createSessions } from "sealed-session";
     const sessions = createSessions({ secrets: globalThis.SECRETS });
     export default async (request) => {
       const session = await sessions.load(request);
       await sessions.commit(session, new Headers());
     };`,
  );
  const withAdapter = await bundle(adapter);
  return {
    raw: withAdapter.raw - core.raw,
    gzip: withAdapter.gzip - core.gzip,
    imports: withAdapter.imports,
  };
}

export const kib = (bytes: number) => (bytes / 1024).toFixed(1);

const core = (entry: string, code: string) => `import * as a from "sealed-session/${entry}"; ${code}`;

/** Each adapter as an app uses it; `external` is the framework, which the app has anyway. */
const ADAPTERS: readonly {
  readonly entry: string;
  readonly uses: readonly { readonly what: string; readonly code: string }[];
  readonly external: readonly string[];
}[] = [
  {
    entry: "next",
    uses: [{ what: "", code: "export const s = a.nextSessions({ secrets: globalThis.SECRETS });" }],
    external: ["next", "next/*"],
  },
  {
    entry: "express",
    uses: [{ what: "", code: "export const m = a.sessions({ secrets: globalThis.SECRETS });" }],
    external: ["express"],
  },
  {
    entry: "sveltekit",
    uses: [{ what: "", code: "export const handle = a.sessions({ secrets: globalThis.SECRETS });" }],
    external: ["@sveltejs/kit", "@sveltejs/kit/*"],
  },
  {
    entry: "elysia",
    uses: [{ what: "", code: "export const plugin = a.sessions({ secrets: globalThis.SECRETS });" }],
    external: ["elysia"],
  },
  {
    entry: "react-router",
    uses: [
      {
        what: "the `SessionStorage`",
        code: "export const s = a.createSealedSessionStorage({ secrets: globalThis.SECRETS });",
      },
      {
        what: "with the middleware",
        code:
          "export const s = a.createSealedSessionStorage({ secrets: globalThis.SECRETS });" +
          "export const m = a.createSessionMiddleware({ secrets: globalThis.SECRETS });",
      },
    ],
    external: ["react-router"],
  },
];

const START = "<!-- adapter-costs:start -->";
const END = "<!-- adapter-costs:end -->";
const README = new URL("../README.md", import.meta.url);

/** The table, measured now. */
export async function renderCosts(): Promise<string> {
  const rows: string[] = [];
  for (const { entry, uses, external } of ADAPTERS) {
    const cells: string[] = [];
    const imports = new Set<string>();
    for (const { what, code } of uses) {
      const cost = await bundleCost(core(entry, code), external);
      for (const name of cost.imports) imports.add(name);
      cells.push(`${kib(cost.raw)} KiB (${kib(cost.gzip)} KiB)${what ? ` ${what}` : ""}`);
    }
    const runtime =
      imports.size === 0
        ? "none"
        : [...imports]
            .sort()
            .map((name) => `\`${name}\``)
            .join(", ");
    rows.push(`| \`sealed-session/${entry}\` | ${cells.join("; ")} | ${runtime} |`);
  }
  return [
    "What each adapter adds to an app that already uses the core: minified (gzip in brackets), bundled",
    "from the built package by esbuild with the framework left out, and what of the framework it still",
    "imports at run time. Written by `npm run adapters:cost`; `npm test` fails when it is stale.",
    "",
    "| Adapter | Adds | Imports of the framework at run time |",
    "| --- | --- | --- |",
    ...rows,
  ].join("\n");
}

/** README.md with `table` between the markers, formatted as `npm run lint` wants it (aligned). */
export function withCosts(readme: string, table: string): string {
  const at = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (at === -1 || end < at) throw new Error(`README.md needs the markers ${START} … ${END}`);
  const formatted = spawnSync(
    join(root, "node_modules/.bin/biome"),
    ["format", "--stdin-file-path=README.md"],
    {
      cwd: root,
      input: `${readme.slice(0, at + START.length)}\n${table}\n${readme.slice(end)}`,
      encoding: "utf8",
    },
  );
  if (formatted.status !== 0) throw new Error(`biome could not format README.md: ${formatted.stderr}`);
  return formatted.stdout;
}

if (import.meta.main) {
  const readme = readFileSync(README, "utf8");
  const next = withCosts(readme, await renderCosts());
  if (process.argv.includes("--check")) {
    if (next !== readme) {
      console.error("README.md: the adapter costs are stale; run `npm run build && npm run adapters:cost`");
      process.exit(1);
    }
    console.log("README.md: adapter costs are current");
  } else {
    writeFileSync(README, next);
    console.log(
      next === readme ? "README.md: adapter costs unchanged" : "README.md: adapter costs rewritten",
    );
  }
}
