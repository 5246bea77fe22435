// A fixture, not an example: the middleware.ts form of the interceptor (the file before Next 16,
// still read by 16 and run in the edge runtime by default), built by test/frameworks/next/.
import { fileURLToPath } from "node:url";
import type { NextConfig } from "next";

const root = fileURLToPath(new URL("../../../..", import.meta.url));

const config: NextConfig = {
  turbopack: { root },
  outputFileTracingRoot: root,
};

export default config;
