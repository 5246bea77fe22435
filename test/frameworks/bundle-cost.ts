// What an adapter costs an app, measured the same way for every framework test: the module graph of
// a built entry point, and the bytes an adapter adds to a bundle that already uses the core.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { build as esbuild } from "esbuild";

const root = fileURLToPath(new URL("../../", import.meta.url));

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
