/**
 * A data store on Cloudflare Workers KV — for data with a single writer only. KV is eventually
 * consistent and has no atomic update, so this store cannot keep the promise the others keep:
 *
 * - a write takes up to about 60 s to reach other locations, and reads there may return the older
 *   record until then (a session's data can look older after a request lands elsewhere);
 * - a patch is a read, then a write: two requests that change one session at the same time from two
 *   locations (or two isolates) can lose one change — last writer wins, whole record;
 * - KV allows one write per key per second (more fail), so a session cannot change faster than that.
 *
 * Use it where one request at a time changes a session's data (a wizard's progress, preferences).
 * For carts or anything concurrent requests change, use the Durable Object store. Records carry their
 * own expiry (`e`), and KV's TTL removes them after it.
 *
 *   <prefix><record key>   value: {"s": session id, "e": expiry ms, "d": data JSON text}
 */

import { dataStore } from "./feature.ts";
import { applyPatch } from "./patch.ts";
import type { DataStore, PatchOutcome, StoredRecord } from "./types.ts";

/** The part of a `KVNamespace` binding this store uses. */
export interface KvStoreBindingLike {
  get(key: string, options: { type: "text" }): Promise<string | null>;
  put(key: string, value: string, options: { expirationTtl?: number }): Promise<void>;
  delete(key: string): Promise<void>;
}

export interface KvStoreOptions {
  /** Key prefix. Default `"session-data:"`. */
  readonly prefix?: string;
}

/** KV rejects `expirationTtl` below 60 s; its values stop at 25 MiB. */
const KV_MIN_TTL = 60;
const OK: PatchOutcome = Object.freeze({ ok: true });

export function kvStore(binding: KvStoreBindingLike, options: KvStoreOptions = {}): DataStore {
  if (
    typeof binding?.get !== "function" ||
    typeof binding.put !== "function" ||
    typeof binding.delete !== "function"
  ) {
    throw new TypeError("sealed-session: kvStore(binding) needs a KV namespace binding");
  }
  const prefix = options.prefix ?? "session-data:";
  const read = async (key: string, now: number): Promise<StoredRecord | null> => {
    const text = await binding.get(prefix + key, { type: "text" });
    if (text === null) return null;
    const value = JSON.parse(text) as { s?: unknown; e?: unknown; d?: unknown };
    if (typeof value.s !== "string" || typeof value.e !== "number" || typeof value.d !== "string")
      return null;
    return value.e < now ? null : { sessionId: value.s, expiresAt: value.e, data: value.d };
  };
  const write = (key: string, record: StoredRecord, now: number) =>
    binding.put(prefix + key, JSON.stringify({ s: record.sessionId, e: record.expiresAt, d: record.data }), {
      expirationTtl: Math.max(KV_MIN_TTL, Math.ceil((record.expiresAt - now) / 1000)),
    });

  return dataStore({
    get: (key, { now }) => read(key, now),
    async create(key, record, { now, maxBytes }) {
      const bytes = new TextEncoder().encode(record.data).length;
      if (bytes > maxBytes) return { ok: false, reason: "too_large", bytes };
      await write(key, record, now);
      return OK;
    },
    async patch(key, { sessionId, patch, moveTo, expiresAt }, { now, maxBytes }) {
      const record = await read(key, now);
      if (record === null) return { ok: false, reason: "missing" };
      if (record.sessionId !== sessionId) return { ok: false, reason: "moved" };
      const applied = applyPatch(record.data, patch, maxBytes);
      if (!applied.ok) return applied;
      await write(key, { sessionId: moveTo ?? sessionId, data: applied.data, expiresAt }, now);
      return OK;
    },
    async touch(key, sessionId, { now, expiresAt }) {
      const record = await read(key, now);
      if (record === null || record.sessionId !== sessionId) return false;
      await write(key, { ...record, expiresAt: Math.max(record.expiresAt, expiresAt) }, now);
      return true;
    },
    async delete(key) {
      await binding.delete(prefix + key);
    },
  });
}
