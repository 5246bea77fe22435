/**
 * Revocation on Deno KV (`Deno.openKv()`, local SQLite or Deno Deploy). Takes the client as an
 * argument, typed structurally, so `src/` never touches the `Deno` global.
 *
 *   [...prefix, "s", <session id>]  value: until (ms)
 *   [...prefix, "u", <user hash>]   value: { cutoff, until } (ms)
 *
 * `expireIn` is a hint (deletion may come late), so every value carries its expiry and reads check it.
 */
import { atLeast, ttlSeconds, userKeyId } from "./keys.ts";
import { isRevokedBy, RevocationMemo } from "./memo.ts";
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
  const memo = new RevocationMemo(5000);
  const sessionKey = (id: string) => [...prefix, "s", id];
  const userKey = async (id: string) => [...prefix, "u", await userKeyId(id, options.pepper)];
  const name = (key: readonly KeyPart[]) => JSON.stringify(key.map(String));

  return {
    async isRevoked({ sessionId, userId, issuedAt }: RevocationQuery) {
      const sKey = sessionKey(sessionId);
      const uKey = userId === undefined ? undefined : await userKey(userId);
      const sName = name(sKey);
      const uName = uKey === undefined ? undefined : name(uKey);
      const known = memo.answer(sName, uName, issuedAt, now(), memoTtl);
      if (known !== undefined) return known;
      const entries = await kv.getMany(uKey === undefined ? [sKey] : [sKey, uKey]);
      const time = now();
      const stored = entries[0]?.value;
      const fact = entries[1]?.value;
      const until = typeof stored === "number" && stored >= time ? stored : null;
      const cutoff = isUserFact(fact) && fact.until >= time ? fact.cutoff : null;
      memo.read(sName, until, time);
      if (uName !== undefined) memo.read(uName, cutoff, time);
      return (
        isRevokedBy(until, cutoff, issuedAt, time) || memo.answer(sName, uName, issuedAt, time, 0) === true
      );
    },

    async revokeSession({ sessionId, until }: SessionRevocation) {
      const key = sessionKey(sessionId);
      const time = now();
      memo.learn(name(key), until);
      await kv.set(key, until, { expireIn: ttlSeconds(until, time, margin, 1) * 1000 });
    },

    async revokeUser({ userId, cutoff, until }: UserRevocation) {
      const key = await userKey(userId);
      const time = now();
      memo.learn(name(key), cutoff);
      await kv.set(key, { cutoff, until }, { expireIn: ttlSeconds(until, time, margin, 1) * 1000 });
    },
  };
}
