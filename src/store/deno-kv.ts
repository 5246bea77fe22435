/**
 * A data store on Deno KV (`Deno.openKv()`: local SQLite, or Deno Deploy's):
 * `createSessions({ store: { store: denoKvStore(kv) } })`.
 *
 *   [...prefix, <record key>]       head: { s: session id, e: expiresAt, n: parts, g: generation, b: bytes }
 *   [...prefix, <record key>, i]    part i of the data, when it needs more than one (i < n)
 *
 * Deno KV refuses values over 64 KiB, so the data (UTF-8 of its JSON text) is split into parts of
 * 60,000 bytes, all written with the head in one atomic commit under one generation, and read back
 * only when every part carries the head's generation (src/lib/deno-kv.ts): a record up to 600,000
 * bytes, read in one or two round trips. A patch reads, applies `applyPatch` in JavaScript and
 * commits with a versionstamp `check` on the head (bounded retries), so concurrent patches to
 * different paths all land; given the record as the request read it (its `version`), the first try
 * skips the read. `expireIn` is only a hint (deletion may come late), so the expiry is
 * kept in the head and reads compare it with the caller's clock.
 */
import { keyLock, numberOption } from "../lib/backend.ts";
import { fromUtf8, utf8 } from "../lib/bytes.ts";
import {
  assertDenoKv,
  type DenoKvAtomicLike,
  type DenoKvKey,
  type DenoKvKeyPart,
  deleteParts,
  denoKvCheckAndSet,
  expireIn,
  MAX_PARTS_BYTES,
  readParts,
  writeParts,
} from "../lib/deno-kv.ts";
import { dataStore } from "./feature.ts";
import { applyPatch } from "./patch.ts";
import type { DataStore, PatchOutcome, StoredRecord } from "./types.ts";

export interface DenoKvStoreOptions {
  /** Key prefix. Default `["sealed-session", "data"]`. */
  readonly prefix?: readonly DenoKvKeyPart[];
  /** Seconds added to every `expireIn`. Default 60. */
  readonly margin?: number;
  /** Check-and-set tries when other processes keep changing the same record. Default 10. */
  readonly attempts?: number;
}

const OK: PatchOutcome = Object.freeze({ ok: true });
const WHAT = "data store";

interface Loaded {
  readonly versionstamp: string | null;
  readonly parts: number;
  /** Live record, or `null` (none, or past its expiry). */
  readonly record: StoredRecord | null;
  /** Whether a head exists (live or not). */
  readonly exists: boolean;
}

export function denoKvStore(kv: DenoKvAtomicLike, options: DenoKvStoreOptions = {}): DataStore {
  assertDenoKv(kv, "denoKvStore(kv)");
  const prefix = options.prefix ?? ["sealed-session", "data"];
  const margin = numberOption("denoKvStore", "margin", options.margin, 60, 0) * 1000;
  const attempts = numberOption("denoKvStore", "attempts", options.attempts, 10, 1);
  const lock = keyLock();
  const keyOf = (key: string): DenoKvKey => [...prefix, key];

  const load = async (key: DenoKvKey, now: number): Promise<Loaded> => {
    const { versionstamp, value } = await readParts(kv, key, WHAT, attempts);
    if (value === null) return { versionstamp, parts: 0, record: null, exists: false };
    const { s, e } = value.meta;
    if (typeof s !== "string" || !Number.isSafeInteger(e)) {
      throw new TypeError("sealed-session: unreadable value in the Deno KV data store");
    }
    // The version names this exact record: its head's versionstamp, and how many parts it has.
    const version = `${value.parts}:${versionstamp}`;
    const record = { sessionId: s, expiresAt: e as number, data: fromUtf8.decode(value.bytes), version };
    return { versionstamp, parts: value.parts, record: record.expiresAt < now ? null : record, exists: true };
  };

  /** What `load` found, as the record read earlier in this request says it was; none without a version. */
  const asRead = (base: StoredRecord | undefined, now: number): Loaded | undefined => {
    const [parts, versionstamp] = base?.version?.split(":") ?? [];
    if (base === undefined || versionstamp === undefined || base.expiresAt < now) return undefined;
    return { versionstamp, parts: Number(parts), record: base, exists: true };
  };

  /** One versionstamp-checked commit of `record` over what `loaded` found (or its deletion, when expired). */
  const save = (key: DenoKvKey, loaded: Loaded, record: StoredRecord, bytes: Uint8Array, now: number) => {
    const op = kv.atomic().check({ key, versionstamp: loaded.versionstamp });
    if (record.expiresAt + margin <= now) return deleteParts(op, key, loaded.parts);
    return writeParts(
      op,
      key,
      { s: record.sessionId, e: record.expiresAt },
      bytes,
      loaded.parts,
      expireIn(record.expiresAt, now, margin),
    );
  };

  /**
   * One versionstamp-checked commit, planned on what is there. With `base` (the record as this request
   * read it), the first plan is made on it without a read; only its commit proves it current, so a plan
   * on it that writes nothing is made again on a fresh read.
   */
  const change = <T>(
    key: DenoKvKey,
    plan: (loaded: Loaded) => { op?: ReturnType<typeof save>; result: T },
    now: number,
    base?: StoredRecord,
  ) =>
    lock(JSON.stringify(key.map(String)), () => {
      let hint = asRead(base, now);
      return denoKvCheckAndSet(attempts, async () => {
        const planned = hint && plan(hint);
        hint = undefined;
        return planned?.op ? planned : plan(await load(key, now));
      });
    });

  const tooLarge = (bytes: number, maxBytes: number): PatchOutcome | undefined =>
    bytes > Math.min(maxBytes, MAX_PARTS_BYTES) ? { ok: false, reason: "too_large", bytes } : undefined;

  return dataStore({
    async get(key, { now }) {
      return (await load(keyOf(key), now)).record;
    },

    async create(key, record, { now, maxBytes }) {
      const bytes = utf8.encode(record.data);
      const refused = tooLarge(bytes.length, maxBytes);
      if (refused) return refused;
      const kKey = keyOf(key);
      return change(
        kKey,
        (loaded) => {
          // Never over a live record; one past its expiry (deletion is late) is replaced.
          if (loaded.record !== null) throw new Error("sealed-session: denoKvStore.create: the key exists");
          return { op: save(kKey, loaded, record, bytes, now), result: OK };
        },
        now,
      );
    },

    async patch(key, { sessionId, patch, moveTo, expiresAt, base }, { now, maxBytes }) {
      const kKey = keyOf(key);
      return change(
        kKey,
        (loaded): { op?: ReturnType<typeof save>; result: PatchOutcome } => {
          const { record } = loaded;
          if (record === null) return { result: { ok: false, reason: "missing" } };
          if (record.sessionId !== sessionId) return { result: { ok: false, reason: "moved" } };
          const applied = applyPatch(record.data, patch, Math.min(maxBytes, MAX_PARTS_BYTES));
          if (!applied.ok) return { result: applied };
          const next = { sessionId: moveTo ?? sessionId, data: applied.data, expiresAt };
          return { op: save(kKey, loaded, next, utf8.encode(next.data), now), result: OK };
        },
        now,
        base,
      );
    },

    async touch(key, sessionId, { now, expiresAt, base }) {
      const kKey = keyOf(key);
      return change(
        kKey,
        (loaded) => {
          const { record } = loaded;
          if (record === null || record.sessionId !== sessionId) return { result: false };
          if (expiresAt <= record.expiresAt) return { result: true };
          // Every part is written again: each carries its own expireIn.
          const next = { ...record, expiresAt };
          return { op: save(kKey, loaded, next, utf8.encode(next.data), now), result: true };
        },
        now,
        base,
      );
    },

    async delete(key) {
      // The head and every part it may have, in one commit: no part outlives its head.
      await deleteParts(kv.atomic(), keyOf(key)).commit();
    },
  });
}
