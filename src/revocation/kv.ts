/**
 * Revocation on Cloudflare Workers KV. Valid sessions still need no session database: the store
 * holds only revocations, each for as long as the cookies it rejects could live.
 *
 *   <prefix>s:<session id>   value: `until` (ms)   TTL: the session's remaining life + margin
 *   <prefix>u:<user hash>    value: cutoff (ms)    TTL: maxAge + tolerance + margin
 *
 * One bulk `get` (one KV operation) answers a request, behind a per-isolate memo. Revocations whose
 * `put` has not succeeded stay in the memo's pending set (never evicted) and are retried (memo.ts).
 */
import { atLeast, ttlSeconds, userKeyId } from "./keys.ts";
import { isRevokedBy, memoFor, type PendingWrite, parseMs } from "./memo.ts";
import type { RevocationQuery, RevocationStore, SessionRevocation, UserRevocation } from "./types.ts";

/** The part of a `KVNamespace` binding this store uses (structural, so `src/` needs no Workers types). */
export interface KvBindingLike {
  get(keys: string[], options: { type: "text"; cacheTtl?: number }): Promise<Map<string, string | null>>;
  put(key: string, value: string, options: { expirationTtl?: number }): Promise<void>;
}

export interface KvRevocationOptions {
  /** Key name prefix. Default `"revoked:"`. */
  readonly prefix?: string;
  /**
   * A stable secret mixed into user key names (HMAC instead of a plain SHA-256), so a listing of the
   * namespace cannot confirm a guessed e-mail address. Changing it forgets every user revocation.
   */
  readonly pepper?: string;
  /** ms a "not revoked" answer is reused in this isolate. Default 5000; 0 reads on every request. */
  readonly memoTtl?: number;
  /** Entries in the per-isolate memo. Default 5000. */
  readonly memoSize?: number;
  /**
   * Revocations this isolate keeps while their write has not succeeded. Default 10,000; past it,
   * checks fail as `revocation_unavailable` until the one dropped would have expired.
   */
  readonly maxPending?: number;
  /** KV edge cache for reads, in seconds. Default and minimum 30 (KV's minimum). */
  readonly cacheTtl?: number;
  /** Seconds added to every TTL, for clock differences between Workers and KV. Default 60. */
  readonly margin?: number;
  /** Clock in ms since the epoch, for tests. */
  readonly now?: () => number;
}

/** KV rejects `expirationTtl` below 60 s and `cacheTtl` below 30 s. */
const KV_MIN_TTL = 60;
const KV_MIN_CACHE_TTL = 30;

export function kvRevocationStore(
  binding: KvBindingLike,
  options: KvRevocationOptions = {},
): RevocationStore {
  if (typeof binding?.get !== "function" || typeof binding.put !== "function") {
    throw new TypeError("sealed-session: kvRevocationStore(binding) needs a KV namespace binding");
  }
  const prefix = options.prefix ?? "revoked:";
  const now = options.now ?? Date.now;
  const memoTtl = atLeast("memoTtl", options.memoTtl, 5000, 0);
  // Below KV's minimum a read would fail; clamp rather than fail every request.
  const cacheTtl = Math.max(KV_MIN_CACHE_TTL, atLeast("cacheTtl", options.cacheTtl, KV_MIN_CACHE_TTL, 0));
  const margin = atLeast("margin", options.margin, 60, 0);
  const memoSize = atLeast("memoSize", options.memoSize, 5000, 1);
  const maxPending = atLeast("maxPending", options.maxPending, 10_000, 1);
  const memo = memoFor<string>(binding, memoSize, maxPending);
  const sessionKey = (id: string) => `${prefix}s:${id}`;
  const userKey = async (id: string) => `${prefix}u:${await userKeyId(id, options.pepper)}`;
  const persist = ({ key, value, until }: PendingWrite<string>) =>
    binding.put(key, String(value), { expirationTtl: ttlSeconds(until, now(), margin, KV_MIN_TTL) });
  const revoke = async (write: PendingWrite<string>) => {
    const time = now();
    // Pending first: this isolate rejects the cookie while the write is in flight, and after it failed.
    memo.writing(write.key, write, time);
    memo.retry(time, persist);
    await persist(write);
    memo.persisted(write.key, write.value, write.until);
  };

  return {
    async isRevoked({ sessionId, userId, issuedAt }: RevocationQuery) {
      const sKey = sessionKey(sessionId);
      const uKey = userId === undefined ? undefined : await userKey(userId);
      const start = now();
      const known = memo.answer(sKey, uKey, issuedAt, start, memoTtl);
      if (known !== undefined) return known;
      // This request does I/O anyway (or fails now): let it carry a few pending writes.
      memo.retry(start, persist);
      memo.assertAvailable(start);
      // One operation for both keys (billed per key); missing keys are billed too.
      const values = await binding.get(uKey === undefined ? [sKey] : [sKey, uKey], {
        type: "text",
        cacheTtl,
      });
      const time = now();
      const until = parseMs(values.get(sKey));
      const cutoff = uKey === undefined ? null : parseMs(values.get(uKey));
      memo.read(sKey, until, time);
      if (uKey !== undefined) memo.read(uKey, cutoff, time);
      // Decide from the values read (the memo is bounded and may already have dropped them), plus
      // what this isolate revoked itself, which a cached negative read may not show yet.
      if (isRevokedBy(until, cutoff, issuedAt, time)) return true;
      if (memo.answer(sKey, uKey, issuedAt, time, 0) === true) return true;
      memo.assertAvailable(time);
      return false;
    },

    async revokeSession({ sessionId, until }: SessionRevocation) {
      await revoke({ key: sessionKey(sessionId), kind: "session", value: until, until });
    },

    async revokeUser({ userId, cutoff, until }: UserRevocation) {
      await revoke({ key: await userKey(userId), kind: "user", value: cutoff, until });
    },
  };
}
