/**
 * Revocation on Cloudflare Workers KV. Valid sessions still need no session database: the store
 * holds only revocations, each for as long as the cookies it rejects could live.
 *
 *   <prefix>s:<session id>   value: `until` (ms)   TTL: the session's remaining life + margin
 *   <prefix>u:<user hash>    value: cutoff (ms)    TTL: maxAge + tolerance + margin
 *
 * One bulk `get` (one KV operation) answers a request, behind a per-isolate memo.
 */
import { atLeast, ttlSeconds, userKeyId } from "./keys.ts";
import { isRevokedBy, parseMs, RevocationMemo } from "./memo.ts";
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

// One memo per binding: `env.SESSIONS` is the same object on every request of an isolate, so a store
// created per request still finds the answers of earlier requests.
const memos = new WeakMap<object, RevocationMemo>();

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
  let memo = memos.get(binding);
  if (memo === undefined) {
    memo = new RevocationMemo(memoSize);
    memos.set(binding, memo);
  }
  const sessionKey = (id: string) => `${prefix}s:${id}`;
  const userKey = async (id: string) => `${prefix}u:${await userKeyId(id, options.pepper)}`;

  return {
    async isRevoked({ sessionId, userId, issuedAt }: RevocationQuery) {
      const sKey = sessionKey(sessionId);
      const uKey = userId === undefined ? undefined : await userKey(userId);
      const known = memo.answer(sKey, uKey, issuedAt, now(), memoTtl);
      if (known !== undefined) return known;
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
      return (
        isRevokedBy(until, cutoff, issuedAt, time) || memo.answer(sKey, uKey, issuedAt, time, 0) === true
      );
    },

    async revokeSession({ sessionId, until }: SessionRevocation) {
      const key = sessionKey(sessionId);
      const time = now();
      // Write through first: this isolate rejects the cookie even if the KV write fails.
      memo.learn(key, until);
      await binding.put(key, String(until), { expirationTtl: ttlSeconds(until, time, margin, KV_MIN_TTL) });
    },

    async revokeUser({ userId, cutoff, until }: UserRevocation) {
      const key = await userKey(userId);
      const time = now();
      memo.learn(key, cutoff);
      await binding.put(key, String(cutoff), { expirationTtl: ttlSeconds(until, time, margin, KV_MIN_TTL) });
    },
  };
}
