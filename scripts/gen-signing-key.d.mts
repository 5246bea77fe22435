// Types for scripts/gen-signing-key.mjs, used by vitest.config.ts and tests.
export function generateSigningKeyJwk(alg?: "EdDSA" | "ES256"): Promise<string>;
export function ensureDevVarsSigningKey(
  path: string,
  name?: string,
  alg?: "EdDSA" | "ES256",
): Promise<boolean>;
