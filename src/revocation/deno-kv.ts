/**
 * Revocation on Deno KV (`Deno.openKv()`, local SQLite or Deno Deploy). Takes the client as an
 * argument, typed structurally, so `src/` never touches the `Deno` global.
 *
 *   [...prefix, "s", <session id>]  value: until (ms)
 *   [...prefix, "u", <user hash>]   value: { cutoff, until } (ms)
 *
 * `expireIn` is a hint (deletion may come late), so every value carries its expiry and reads check it.
 * Revocations whose `set` has not succeeded stay in the memo's pending set and are retried (memo.ts).
 */
import { atLeast, ttlSeconds, userKeyId } from "./keys.ts";
import { isRevokedBy, memoFor, type PendingWrite } from "./memo.ts";
import type { RevocationQuery, RevocationStore, SessionRevocation, UserRevocation } from "./types.ts";

type KeyPart = string | number | bigint | boolean | Uint8Array;

/** The part of `Deno.Kv` this store uses. */
export interface DenoKvLike {
  getMany(keys: readonly (readonly KeyPart[])[]): Promise<readonly { readonly value: unknown }[]>;
  set(key: readonly KeyPart[], value: unknown, options?: { expireIn?: number }): Promise<unknown>;
}

export interface DenoKvRevocationOptions {
  /** Key prefix. Default `["sealed-session", "revoked"]`. */
  readonly prefix?: readonly KeyPart[];
  /** A stable secret mixed into user key hashes (see the KV store). */
  readonly pepper?: string;
  /** ms a "not revoked" answer is reused in this process. Default 0: Deno KV reads are strongly consistent. */
  readonly memoTtl?: number;
  /** Entries in the per-process memo. Default 5000. */
  readonly memoSize?: number;
  /**
   * Revocations this process keeps while their write has not succeeded. Default 10,000; past it,
   * checks fail as `revocation_unavailable` until the one dropped would have expired.
   */
  readonly maxPending?: number;
  /** Seconds added to every expiry. Default 60. */
  readonly margin?: number;
  /** Clock in ms since the epoch, for tests. */
  readonly now?: () => number;
}

const isUserFact = (value: unknown): value is { cutoff: number; until: number } =>
  typeof value === "object" &&
  value !== null &&
  typeof (value as { cutoff?: unknown }).cutoff === "number" &&
  typeof (value as { until?: unknown }).until === "number";

export function denoKvRevocationStore(
  kv: DenoKvLike,
  options: DenoKvRevocationOptions = {},
): RevocationStore {
  if (typeof kv?.getMany !== "function" || typeof kv.set !== "function") {
    throw new TypeError("sealed-session: denoKvRevocationStore(kv) needs a Deno.Kv (Deno.openKv())");
  }
  const prefix = options.prefix ?? ["sealed-session", "revoked"];
  const now = options.now ?? Date.now;
  const memoTtl = atLeast("memoTtl", options.memoTtl, 0, 0);
  const margin = atLeast("margin", options.margin, 60, 0);
  const memoSize = atLeast("memoSize", options.memoSize, 5000, 1);
  const maxPending = atLeast("maxPending", options.maxPending, 10_000, 1);
  const memo = memoFor<readonly KeyPart[]>(kv, memoSize, maxPending);
  const sessionKey = (id: string) => [...prefix, "s", id];
  const userKey = async (id: string) => [...prefix, "u", await userKeyId(id, options.pepper)];
  const name = (key: readonly KeyPart[]) => JSON.stringify(key.map(String));
  const persist = ({ key, kind, value, until }: PendingWrite<readonly KeyPart[]>) =>
    kv.set(key, kind === "session" ? until : { cutoff: value, until }, {
      expireIn: ttlSeconds(until, now(), margin, 1) * 1000,
    });
  const revoke = async (write: PendingWrite<readonly KeyPart[]>) => {
    const time = now();
    const keyName = name(write.key);
    // Pending first: this process rejects the cookie while the write is in flight, and after it failed.
    memo.writing(keyName, write, time);
    memo.retry(time, persist);
    await persist(write);
    memo.persisted(keyName, write.value, write.until);
  };

  return {
    async isRevoked({ sessionId, userId, issuedAt }: RevocationQuery) {
      const sKey = sessionKey(sessionId);
      const uKey = userId === undefined ? undefined : await userKey(userId);
      const sName = name(sKey);
      const uName = uKey === undefined ? undefined : name(uKey);
      const start = now();
      const known = memo.answer(sName, uName, issuedAt, start, memoTtl);
      if (known !== undefined) return known;
      // This call does I/O anyway (or fails now): let it carry a few pending writes.
      memo.retry(start, persist);
      memo.assertAvailable(start);
      const entries = await kv.getMany(uKey === undefined ? [sKey] : [sKey, uKey]);
      const time = now();
      const stored = entries[0]?.value;
      const fact = entries[1]?.value;
      const until = typeof stored === "number" && stored >= time ? stored : null;
      const cutoff = isUserFact(fact) && fact.until >= time ? fact.cutoff : null;
      memo.read(sName, until, time);
      if (uName !== undefined) memo.read(uName, cutoff, time);
      if (isRevokedBy(until, cutoff, issuedAt, time)) return true;
      if (memo.answer(sName, uName, issuedAt, time, 0) === true) return true;
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
