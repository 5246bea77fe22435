import { b64u, randomBytes } from "./lib/bytes.ts";

/** Shortest accepted secret, in characters. */
export const MIN_SECRET_LENGTH = 32;

/**
 * Returns a new random secret: 32 bytes from the platform CSPRNG, base64url (43 characters).
 * Store it outside your code, e.g. `wrangler secret put SESSION_SECRETS`.
 */
export function generateSecret(): string {
  return b64u(randomBytes(32));
}

export const HOW_TO_MAKE_A_SECRET =
  "Make one with `npx sealed-session secret` (or `generateSecret()` from sealed-session) and keep it out of " +
  "your code: on Workers `wrangler secret put SESSION_SECRETS` (locally, a `.dev.vars` file), elsewhere an " +
  "environment variable. To rotate, list the new secret first and keep the old ones after it.";
