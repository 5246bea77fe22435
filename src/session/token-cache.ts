import type { Opened } from "../codec/types.ts";
import { Lru } from "../lib/lru.ts";

/**
 * Remembers tokens this manager has already verified (or sealed itself), so a request that repeats
 * a cookie skips decryption. One cache per manager, never module-global: its keys belong to that
 * manager's secrets. Bounded by bytes, so large or many cookies cannot grow it without limit.
 * Only the cryptographic work is skipped: every load still parses a fresh copy of the data and
 * checks expiry, idle time and revocation.
 */
export class TokenCache {
  readonly #entries: Lru<string, Opened>;

  constructor(maxBytes = 2 * 1024 * 1024, maxEntries = 4096) {
    this.#entries = new Lru(maxEntries, maxBytes);
  }

  get(token: string): Opened | undefined {
    return this.#entries.get(token);
  }

  set(token: string, opened: Opened): void {
    // JS strings are UTF-16: two bytes per code unit, for the token and the plaintext it maps to.
    this.#entries.set(token, opened, 2 * (token.length + opened.plaintext.length));
  }

  delete(token: string | undefined): void {
    if (token !== undefined) this.#entries.delete(token);
  }
}
