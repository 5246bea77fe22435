import { fileURLToPath } from "node:url";
import type { NextConfig } from "next";

// This example lives inside the sealed-session repository and uses its node_modules and src/
// (tsconfig.json maps "sealed-session/*" there), so the repository is the workspace root. A copy
// of this app with its own node_modules needs neither setting.
const root = fileURLToPath(new URL("../..", import.meta.url));

const config: NextConfig = {
  turbopack: { root },
  outputFileTracingRoot: root,
  poweredByHeader: false,
};

export default config;
