import { ConfigError } from "../errors.ts";
import { b64u, utf8 } from "../lib/bytes.ts";

/**
 * The name under which a user's cutoff is stored: SHA-256 of the user id, or HMAC-SHA-256 with a
 * pepper. Key names show up in dashboards and listings; a hash keeps e-mail addresses out of them,
 * but a plain hash of a guessable id (an e-mail) can be confirmed by anyone who guesses it — the
 * pepper, a stable secret, prevents that. Changing the pepper forgets every user revocation.
 */
export async function userKeyId(userId: string, pepper: string | undefined): Promise<string> {
  const data = utf8.encode(userId);
  if (pepper === undefined) return b64u(new Uint8Array(await crypto.subtle.digest("SHA-256", data)));
  const key = await pepperKey(pepper);
  return b64u(new Uint8Array(await crypto.subtle.sign("HMAC", key, data)));
}

const pepperKeys = new Map<string, Promise<CryptoKey>>();

function pepperKey(pepper: string): Promise<CryptoKey> {
  let key = pepperKeys.get(pepper);
  if (key === undefined) {
    // A handful of peppers per process at most; the import is the expensive part.
    if (pepperKeys.size > 16) pepperKeys.clear();
    key = crypto.subtle.importKey("raw", utf8.encode(pepper), { name: "HMAC", hash: "SHA-256" }, false, [
      "sign",
    ]);
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
