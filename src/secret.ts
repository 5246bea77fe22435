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

/**
 * Fewest independent characters (see {@link secretWeakness}) a secret must show. Random strings
 * clear it by far. The lowest counts in 2 million samples each: 38 for `generateSecret()`, 40
 * for 44-character base64, 28 for 32 base64url characters and for UUIDs, 23 for 32 hex digits,
 * 21 for 32 decimal digits, 18 for 32+ characters of random words from a 1,000-word list (a word
 * drawn three times); each step down is several times rarer than the one above it, so a random
 * secret under 16 is a one-in-billions event. `"password".repeat(4)` shows 9, 64 NULs none.
 */
export const MIN_SECRET_VARIETY = 16;

/** Enough to judge: a secret whose first 256 characters are a pattern is a pattern. */
const LOOKED_AT = 256;

/** C0 controls, DEL and C1 controls: NUL padding, raw bytes, a stray newline — not variety. */
const isControl = (point: number) => point < 0x20 || (point >= 0x7f && point <= 0x9f);

/**
 * Why a secret is too predictable to seal with, or undefined when it is fine. The message names
 * counts only, never the secret's text.
 *
 * The rule measures variety, not a guessed entropy, so it errs towards accepting: it counts the
 * characters a reader could not predict from those before, where a run or a steady step (`aaaa`,
 * `abcd`, `9753`) counts once however long it is, a stretch of 3 or more that repeats an earlier
 * one (`passwordpassword`) counts once, and control characters count for nothing. So a strong
 * secret with a stray newline still passes on its other characters, and a passphrase passes on
 * its words. Distinct characters that follow no step (`qwerty…`) pass: a false refusal stops a
 * deployment, a missed mediocre secret costs less, and the length check stands guard too.
 */
export function secretWeakness(secret: string): string | undefined {
  const points: number[] = [];
  let controls = false;
  for (const char of secret) {
    const point = char.codePointAt(0)!;
    if (isControl(point)) controls = true;
    else if (points.length < LOOKED_AT) points.push(point);
  }
  const shown = independentCharacters(points, MIN_SECRET_VARIETY);
  if (shown >= MIN_SECRET_VARIETY) return undefined;
  return (
    `is too predictable to seal with: it shows ${shown} independent characters, at least ` +
    `${MIN_SECRET_VARIETY} are needed (runs like aaaa or abcd and repeats like passwordpassword ` +
    `count once${controls ? "; control characters count for nothing" : ""})`
  );
}

/** The count described at {@link secretWeakness}, stopping as soon as it reaches `enough`. */
function independentCharacters(points: readonly number[], enough: number): number {
  const n = points.length;
  let count = 0;
  let i = 0;
  while (i < n && count < enough) {
    count++;
    // A run or a steady step: all that continues the step of the two characters before counts once.
    const step = i >= 2 ? points[i - 1]! - points[i - 2]! : Number.NaN;
    if (points[i]! - points[i - 1]! === step) {
      while (i < n && points[i]! - points[i - 1]! === step) i++;
      continue;
    }
    // The longest earlier stretch this position repeats (it may overlap itself, as in abcabcabc).
    let longest = 0;
    for (let from = 0; from < i; from++) {
      let length = 0;
      while (i + length < n && points[from + length] === points[i + length]) length++;
      if (length > longest) longest = length;
    }
    i += longest >= 3 ? longest : 1;
  }
  return count;
}

// Warned-about secrets, by a 32-bit fingerprint so the set never holds a secret. Bounded: a
// process that somehow meets more weak secrets than this only repeats a warning.
const warned = new Set<number>();
const MAX_WARNED = 1024;

/**
 * Warns, once per secret and process, that an older listed secret is weak. It is not refused:
 * it still opens what it sealed (existing deployments, adopted iron-session cookies).
 */
export function warnWeakSecret(where: string, secret: string, weakness: string): void {
  let hash = 0x811c9dc5;
  for (let i = 0; i < secret.length; i++) hash = Math.imul(hash ^ secret.charCodeAt(i), 0x01000193);
  if (warned.has(hash)) return;
  if (warned.size < MAX_WARNED) warned.add(hash);
  console.warn(
    `sealed-session: ${where} ${weakness}. It is only accepted because it is not the newest: it still ` +
      "opens what it sealed, but whoever guesses it can forge sessions. Rotate it out: put a new secret " +
      "first (`npx sealed-session secret` or `generateSecret()`), and remove this one once cookies " +
      "sealed with it have expired.",
  );
}
