/**
 * A per-isolate memo of settled store answers, so sequential requests of one session cost no read.
 *
 * Only settled values, never promises: an isolate interleaves requests at every `await`, and a
 * shared promise would tie one request's I/O to another. Two bounded maps, so a flood of
 * "not revoked" lookups can never evict a known revocation:
 * - facts: what is revoked (a session key's `until`, a user key's cutoff). Lasting, trusted for life.
 * - checked: when a key was last read. "Not revoked" goes stale after `ttl` ms, because another
 *   isolate may revoke at any time.
 */
import { Lru } from "../lib/lru.ts";

export class RevocationMemo {
  readonly #facts: Lru<string, number>;
  readonly #checked: Lru<string, number>;

  constructor(maxEntries: number) {
    this.#facts = new Lru(maxEntries);
    this.#checked = new Lru(maxEntries);
  }

  /**
   * `true`/`false` when the memo can answer without I/O, `undefined` when the store must be read.
   * `userKey` is undefined for an anonymous session.
   */
  answer(
    sessionKey: string,
    userKey: string | undefined,
    issuedAt: number,
    now: number,
    ttl: number,
  ): boolean | undefined {
    const until = this.#facts.get(sessionKey);
    if (until !== undefined && until >= now) return true;
    const cutoff = userKey === undefined ? undefined : this.#facts.get(userKey);
    if (cutoff !== undefined && issuedAt <= cutoff) return true;
    const fresh = (key: string) => {
      const at = this.#checked.get(key);
      return at !== undefined && at <= now && now - at < ttl;
    };
    if (fresh(sessionKey) && (userKey === undefined || fresh(userKey))) return false;
    return undefined;
  }

  /** Records a store read of `key`: `value` is the fact found, or null. */
  read(key: string, value: number | null, now: number): void {
    this.#checked.set(key, now);
    if (value !== null) this.learn(key, value);
  }

  /**
   * Records a fact (a local write, or one read). Facts only grow: a read that missed — KV caches
   * negative lookups — or an older cutoff never undoes what this isolate already knows.
   */
  learn(key: string, value: number): void {
    const known = this.#facts.get(key);
    this.#facts.set(key, known === undefined ? value : Math.max(known, value));
  }
}

/** The rule every store applies to what it read: a live session fact, or a cutoff at or after issue. */
export function isRevokedBy(
  until: number | null,
  cutoff: number | null,
  issuedAt: number,
  now: number,
): boolean {
  return (until !== null && until >= now) || (cutoff !== null && issuedAt <= cutoff);
}

/** Parses a stored decimal ms value; anything else counts as absent. */
export function parseMs(value: string | null | undefined): number | null {
  if (value == null || !/^\d{1,16}$/.test(value)) return null;
  return Number(value);
}
