// Preloaded with `node --import`: "sealed-session" (and its subpaths) resolve to the sources, as the
// tsconfig "paths" say, so Node 24 tests the TypeScript directly. Without this hook Node would
// resolve the package's own name to the built dist/.
import { registerHooks } from "node:module";

const src = new URL("../../../src/", import.meta.url);

registerHooks({
  resolve(specifier, context, nextResolve) {
    if (specifier === "sealed-session") return nextResolve(new URL("index.ts", src).href, context);
    if (specifier.startsWith("sealed-session/") && specifier !== "sealed-session/package.json") {
      const subpath = specifier.slice("sealed-session/".length);
      return nextResolve(new URL(`${subpath}/index.ts`, src).href, context);
    }
    return nextResolve(specifier, context);
  },
});
