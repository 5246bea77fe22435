// Preloaded with `node --import`: "express" (and its subpaths) resolve to Express 4, installed as
// the devDependency `express4` (npm:express@^4), so the adapter's tests run on both majors.
import { registerHooks } from "node:module";

registerHooks({
  resolve(specifier, context, nextResolve) {
    if (specifier === "express" || specifier.startsWith("express/")) {
      return nextResolve(`express4${specifier.slice("express".length)}`, context);
    }
    return nextResolve(specifier, context);
  },
});
