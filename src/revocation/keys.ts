import { ConfigError } from "../errors.ts";
import { b64u, utf8 } from "../lib/bytes.ts";
import { Lru } from "../lib/lru.ts";

/**
 * The name under which a user's cutoff is stored: SHA-256 of the user id, or HMAC-SHA-256 with a
 * pepper. Key names show up in dashboards and listings; a hash keeps e-mail addresses out of them,
 * but a plain hash of a guessable id (an e-mail) can be confirmed by anyone who guesses it — the
 * pepper, a stable secret, prevents that. Changing the pepper forgets every user revocation.
 */
export async function userKeyId(userId: string, pepper: string | undefined): Promise<string> {
  // Every logged-in check needs this name, memo hit or not: remember it rather than pay a
  // crypto.subtle call per request. Settled strings only, bounded.
  const cacheKey = `${pepper ?? ""}\u0000${userId}`;
  const known = userKeyIds.get(cacheKey);
  if (known !== undefined) return known;
  const data = utf8.encode(userId);
  const digest =
    pepper === undefined
      ? await crypto.subtle.digest("SHA-256", data)
      : await crypto.subtle.sign("HMAC", await pepperKey(pepper), data);
  const id = b64u(new Uint8Array(digest));
  userKeyIds.set(cacheKey, id);
  return id;
}

const userKeyIds = new Lru<string, string>(4096);
// Imported keys, as settled values (never promises: isolates interleave requests at every await).
const pepperKeys = new Lru<string, CryptoKey>(16);

async function pepperKey(pepper: string): Promise<CryptoKey> {
  let key = pepperKeys.get(pepper);
  if (key === undefined) {
    key = await crypto.subtle.importKey(
      "raw",
      utf8.encode(pepper),
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign"],
    );
    pepperKeys.set(pepper, key);
  }
  return key;
}

/** Clamps a requested TTL (seconds) to what a store accepts. */
export function ttlSeconds(until: number, now: number, margin: number, minimum: number): number {
  return Math.max(minimum, Math.ceil((until - now) / 1000) + margin);
}

/** A store option that must be a number from `min` (checked when the store is made, not per request). */
export function atLeast(name: string, value: number | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || Number.isNaN(value) || value < min) {
    throw new ConfigError(`revocation store option \`${name}\` must be a number from ${min}`);
  }
  return value;
}
