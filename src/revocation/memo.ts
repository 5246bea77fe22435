/**
 * A per-isolate memo of settled store answers, so sequential requests of one session cost no read,
 * and the revocations this isolate made that the store has not confirmed, so a lost write never
 * revives a cookie here.
 *
 * Only settled values, never promises: an isolate interleaves requests at every `await`, and a
 * shared promise would tie one request's I/O to another. Three maps:
 * - facts (LRU): what is revoked (a session key's `until`, a user key's cutoff), trusted for life.
 * - checked (LRU): when a key was last read. "Not revoked" goes stale after `ttl` ms, because another
 *   isolate may revoke at any time. Separate from facts, so a flood of lookups never evicts a fact.
 * - pending: revocations whose write has not succeeded yet (in flight, failed, or awaiting a retry).
 *   Nothing evicts them: only a successful write (then they move to facts) or their own expiry. It
 *   is capped; past the cap one is dropped and the memo refuses to say "not revoked" until that one
 *   would have expired (see `writing`).
 */
import { Lru } from "../lib/lru.ts";
import { RevocationBacklogError } from "./policy.ts";

/** A revocation as the store writes it. `key` is the store's own key (Deno KV keys are arrays). */
export interface PendingWrite<K> {
  readonly key: K;
  readonly kind: "session" | "user";
  /** A session's `until`, or a user's cutoff. */
  readonly value: number;
  /** When every cookie it rejects has expired (for a session, `value` itself). */
  readonly until: number;
}

interface Pending<K> {
  write: PendingWrite<K>;
  /** When a write of it last started. */
  attempted: number;
}

/** At most this many pending writes are retried per store call that triggers a retry. */
const RETRY_BATCH = 8;
/** First pause after a failed retry, and the least time between two writes of one key (KV: 1 per second). */
const RETRY_MIN = 1000;
const RETRY_MAX = 60_000;
/** A retry still unsettled this long is taken as lost (a Worker request that ended cancels its I/O). */
const RETRY_ABANDONED = 30_000;

export class RevocationMemo<K = string> {
  readonly #facts: Lru<string, number>;
  readonly #checked: Lru<string, number>;
  /** By key name, in the order of their last write attempt (oldest first). */
  readonly #pending = new Map<string, Pending<K>>();
  readonly #maxPending: number;
  /** Until then a dropped revocation may still reject a live cookie: nothing reads as "not revoked". */
  #unavailableUntil = Number.NEGATIVE_INFINITY;
  #retryAt = Number.NEGATIVE_INFINITY;
  #backoff = RETRY_MIN;
  #retryingSince: number | undefined;

  constructor(maxEntries: number, maxPending: number) {
    this.#facts = new Lru(maxEntries);
    this.#checked = new Lru(maxEntries);
    this.#maxPending = maxPending;
  }

  /**
   * `true`/`false` when the memo can answer without I/O, `undefined` when the store must be read
   * (or `assertAvailable` throws). `userKey` is undefined for an anonymous session.
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
    const unsaved = this.#pending.get(sessionKey)?.write;
    if (unsaved !== undefined && unsaved.value >= now) return true;
    if (userKey !== undefined) {
      const cutoff = this.#facts.get(userKey);
      if (cutoff !== undefined && issuedAt <= cutoff) return true;
      const unsavedCutoff = this.#pending.get(userKey)?.write;
      if (unsavedCutoff !== undefined && issuedAt <= unsavedCutoff.value) return true;
    }
    if (now <= this.#unavailableUntil) return undefined;
    const fresh = (key: string) => {
      const at = this.#checked.get(key);
      return at !== undefined && at <= now && now - at < ttl;
    };
    if (fresh(sessionKey) && (userKey === undefined || fresh(userKey))) return false;
    return undefined;
  }

  /** Throws when a revocation had to be dropped and could still reject a live cookie. */
  assertAvailable(now: number): void {
    if (now <= this.#unavailableUntil) throw new RevocationBacklogError();
  }

  /** Records a store read of `key`: `value` is the fact found, or null. */
  read(key: string, value: number | null, now: number): void {
    this.#checked.set(key, now);
    if (value !== null) this.learn(key, value);
  }

  /**
   * Records a fact (one read, or a confirmed write). Facts only grow: a read that missed — KV caches
   * negative lookups — or an older cutoff never undoes what this isolate already knows.
   */
  learn(key: string, value: number): void {
    const known = this.#facts.get(key);
    this.#facts.set(key, known === undefined ? value : Math.max(known, value));
  }

  /**
   * Records a revocation about to be written; it stays pending until `persisted`. At the cap, entries
   * that have expired go first; if none has, the one that expires soonest (this one included) is
   * dropped to the evictable facts, and until it expires the memo answers nothing as "not revoked":
   * a check then fails (RevocationBacklogError) rather than accept a cookie it may have revoked.
   */
  writing(name: string, write: PendingWrite<K>, now: number): void {
    const known = this.#pending.get(name);
    if (known !== undefined) {
      this.#pending.delete(name);
      write = {
        ...write,
        value: Math.max(write.value, known.write.value),
        until: Math.max(write.until, known.write.until),
      };
    } else if (this.#pending.size >= this.#maxPending) {
      // One pass: drop what expired, and find the soonest to expire in case nothing did.
      let soonest: [string, PendingWrite<K>] = [name, write];
      for (const [other, entry] of this.#pending) {
        if (entry.write.until < now) this.#pending.delete(other);
        else if (entry.write.until < soonest[1].until) soonest = [other, entry.write];
      }
      if (this.#pending.size >= this.#maxPending) {
        const [dropped, lost] = soonest;
        this.#unavailableUntil = Math.max(this.#unavailableUntil, lost.until);
        this.learn(dropped, lost.value);
        if (dropped === name) return;
        this.#pending.delete(dropped);
      }
    }
    this.#pending.set(name, { write, attempted: now });
  }

  /** A write of `value`/`until` succeeded: a pending entry it covers becomes an ordinary fact. */
  persisted(name: string, value: number, until: number): void {
    const entry = this.#pending.get(name);
    if (entry !== undefined && entry.write.value <= value && entry.write.until <= until) {
      this.#pending.delete(name);
    }
    this.learn(name, value);
    // The store takes writes again: retry the rest without waiting out a backoff.
    this.#backoff = RETRY_MIN;
    this.#retryAt = Number.NEGATIVE_INFINITY;
  }

  /**
   * Retries a few pending writes in the background, for runtimes without `waitUntil` (and for
   * writes whose `waitUntil` retry failed too). Called only by store calls that do I/O anyway, so a
   * memo hit stays free. Bounded: one batch at a time, at most RETRY_BATCH writes, each key at most
   * once a second, and a pause doubling up to a minute while the store keeps failing. Never awaited
   * by the caller; on Workers a batch dies with the request that started it and is tried again later.
   */
  retry(now: number, persist: (write: PendingWrite<K>) => Promise<unknown>): void {
    if (this.#pending.size === 0 || now < this.#retryAt) return;
    if (this.#retryingSince !== undefined && now - this.#retryingSince < RETRY_ABANDONED) return;
    const batch: [string, PendingWrite<K>][] = [];
    for (const [name, entry] of this.#pending) {
      if (entry.write.until < now) {
        this.#pending.delete(name);
        continue;
      }
      // Entries are in attempt order: the first one tried too recently ends the batch.
      if (entry.attempted <= now && now - entry.attempted < RETRY_MIN) break;
      batch.push([name, entry.write]);
      if (batch.length === RETRY_BATCH) break;
    }
    if (batch.length === 0) return;
    for (const [name, write] of batch) {
      this.#pending.delete(name);
      this.#pending.set(name, { write, attempted: now });
    }
    this.#retryingSince = now;
    const attempts = batch.map(async ([name, write]) => {
      try {
        await persist(write);
        this.persisted(name, write.value, write.until);
        return true;
      } catch {
        return false;
      }
    });
    void Promise.all(attempts).then((results) => {
      this.#retryingSince = undefined;
      if (results.every(Boolean)) return;
      this.#retryAt = now + this.#backoff;
      this.#backoff = Math.min(this.#backoff * 2, RETRY_MAX);
    });
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

const memos = new WeakMap<object, Map<string, RevocationMemo<never>>>();

/**
 * The memo of stores over one client (a KV binding, a Deno.Kv) with these capacities. Per client,
 * because `env.SESSIONS` is the same object on every request of an isolate: a store made per request
 * still finds earlier answers. Per capacity too, so a store never runs on a memo sized by another
 * store's options — a cache keyed on less than what changes its behaviour.
 */
export function memoFor<Key>(client: object, memoSize: number, maxPending: number): RevocationMemo<Key> {
  let byCapacity = memos.get(client);
  if (byCapacity === undefined) {
    byCapacity = new Map();
    memos.set(client, byCapacity);
  }
  const capacity = `${memoSize}:${maxPending}`;
  let memo = byCapacity.get(capacity) as RevocationMemo<Key> | undefined;
  if (memo === undefined) {
    memo = new RevocationMemo<Key>(memoSize, maxPending);
    byCapacity.set(capacity, memo as unknown as RevocationMemo<never>);
  }
  return memo;
}
