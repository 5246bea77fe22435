/**
 * A per-isolate memo of settled store answers, so sequential requests of one session cost no read.
 *
 * Only settled values, never promises: an isolate interleaves requests at every `await`, and a
 * shared promise would tie one request's I/O to another. A revocation is a lasting fact, so a
 * positive entry is trusted for its whole life; "not revoked" goes stale after `ttl` ms, because
 * another isolate may revoke at any time.
 */
import { Lru } from "../lib/lru.ts";

interface Entry {
  /** Session key: the revocation's `until`; user key: the cutoff; `null`: nothing stored. */
  readonly value: number | null;
  /** When the answer was read or written (memo clock). */
  readonly at: number;
}

export class RevocationMemo {
  readonly #entries: Lru<string, Entry>;

  constructor(maxEntries: number) {
    this.#entries = new Lru(maxEntries);
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
    const session = this.#entries.get(sessionKey);
    const user = userKey === undefined ? undefined : this.#entries.get(userKey);
    if (session?.value != null && session.value >= now) return true;
    if (user?.value != null && issuedAt <= user.value) return true;
    const fresh = (entry: Entry | undefined) =>
      entry !== undefined && entry.at <= now && now - entry.at < ttl;
    if (fresh(session) && (userKey === undefined || fresh(user))) return false;
    return undefined;
  }

  record(key: string, value: number | null, now: number): void {
    this.#entries.set(key, { value, at: now });
  }

  /** A user cutoff only moves forward locally: a stale read must not undo a local write-through. */
  recordCutoff(key: string, cutoff: number | null, now: number): void {
    const known = this.#entries.get(key)?.value;
    this.record(key, known != null && (cutoff === null || known > cutoff) ? known : cutoff, now);
  }

  /** Same for a session: a read that missed (KV caches negatives) must not undo a local revocation. */
  recordSession(key: string, until: number | null, now: number): void {
    const known = this.#entries.get(key)?.value;
    this.record(key, known != null && (until === null || known > until) ? known : until, now);
  }
}

/** Parses a stored decimal ms value; anything else counts as absent. */
export function parseMs(value: string | null | undefined): number | null {
  if (value == null || !/^\d{1,16}$/.test(value)) return null;
  return Number(value);
}
