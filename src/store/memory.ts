/**
 * A data store in this process's memory: for tests, and for a single long-lived process. Records vanish
 * on restart — and then every stored session reads as `revoked`, never as empty. Records are kept as
 * JSON text, never shared by reference; patches are applied by the same `applyPatch` as every backend.
 */

import { dataStore } from "./feature.ts";
import { applyPatch } from "./patch.ts";
import type { DataStore, PatchOutcome, StoredRecord } from "./types.ts";

export interface MemoryStoreOptions {
  /** Records kept (the least recently used go first: those sessions then read as revoked). Default 100,000. */
  readonly maxRecords?: number;
}

const OK: PatchOutcome = Object.freeze({ ok: true });

export function memoryStore(options: MemoryStoreOptions = {}): DataStore {
  const records = new Map<string, StoredRecord>();
  const maxRecords = options.maxRecords ?? 100_000;
  let writes = 0;

  const live = (key: string, now: number): StoredRecord | undefined => {
    const record = records.get(key);
    if (record === undefined) return undefined;
    if (record.expiresAt < now) {
      records.delete(key);
      return undefined;
    }
    records.delete(key); // re-insert: most recently used last
    records.set(key, record);
    return record;
  };
  const store = (key: string, record: StoredRecord, now: number) => {
    records.set(key, Object.freeze({ ...record }));
    if (++writes % 256 === 0) for (const [k, r] of records) if (r.expiresAt < now) records.delete(k);
    while (records.size > maxRecords) records.delete(records.keys().next().value as string);
  };

  return dataStore({
    async get(key, { now }) {
      return live(key, now) ?? null;
    },
    async create(key, record, { now, maxBytes }) {
      if (live(key, now)) throw new Error("sealed-session: memoryStore.create: the key exists");
      const bytes = new TextEncoder().encode(record.data).length;
      if (bytes > maxBytes) return { ok: false, reason: "too_large", bytes };
      store(key, record, now);
      return OK;
    },
    async patch(key, { sessionId, patch, moveTo, expiresAt }, { now, maxBytes }) {
      const record = live(key, now);
      if (record === undefined) return { ok: false, reason: "missing" };
      if (record.sessionId !== sessionId) return { ok: false, reason: "moved" };
      const applied = applyPatch(record.data, patch, maxBytes);
      if (!applied.ok) return applied;
      store(key, { sessionId: moveTo ?? sessionId, data: applied.data, expiresAt }, now);
      return OK;
    },
    async touch(key, sessionId, { now, expiresAt }) {
      const record = live(key, now);
      if (record === undefined || record.sessionId !== sessionId) return false;
      store(key, { ...record, expiresAt: Math.max(record.expiresAt, expiresAt) }, now);
      return true;
    },
    async delete(key) {
      records.delete(key);
    },
  });
}
