import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { generateSigningKeyJwk } from "./scripts/gen-signing-key.mjs";

// Case files import the library by its package name; in tests that is always the sources.
const alias = [
  {
    find: /^sealed-session\/(.*)$/,
    replacement: fileURLToPath(new URL("./src/$1/index.ts", import.meta.url)),
  },
  { find: /^sealed-session$/, replacement: fileURLToPath(new URL("./src/index.ts", import.meta.url)) },
];

// Two projects: the core on Node, and everything Workers-specific inside workerd (miniflare KV).
export default defineConfig({
  test: {
    projects: [
      {
        resolve: { alias },
        test: {
          name: "node",
          include: ["test/**/*.test.ts"],
          // test/frameworks: node:test files that build real apps (`npm run test:frameworks`).
          exclude: ["test/workers/**", "test/e2e/**", "test/runtimes/**", "test/frameworks/**"],
        },
      },
      {
        resolve: { alias },
        plugins: [
          cloudflareTest({
            wrangler: { configPath: "./wrangler.toml" },
            // The demo Worker refuses to run without a secret; tests get fresh keys per run.
            miniflare: {
              bindings: {
                SESSION_SECRETS: randomBytes(32).toString("base64url"),
                SESSION_NAMING_KEY: randomBytes(32).toString("base64url"),
                TOKEN_SIGNING_KEYS: await generateSigningKeyJwk("EdDSA"),
              },
            },
          }),
        ],
        test: {
          name: "workers",
          include: ["test/workers/**/*.test.ts"],
        },
      },
    ],
  },
});
