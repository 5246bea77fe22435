// Preloaded with `node --import`: "react-router" (and its subpaths) resolve to React Router 7,
// installed as the devDependency `react-router7` (npm:react-router@^7.9), so the adapter's
// in-process tests run on the oldest major its peer range allows as well.
import { registerHooks } from "node:module";

registerHooks({
  resolve(specifier, context, nextResolve) {
    if (specifier === "react-router" || specifier.startsWith("react-router/")) {
      return nextResolve(`react-router7${specifier.slice("react-router".length)}`, context);
    }
    return nextResolve(specifier, context);
  },
});
