/**
 * A data store on Redis (node-redis, ioredis, Bun's client — see src/lib/redis.ts):
 * `createSessions({ store: { store: redisStore(nodeRedisClient(client)) } })`.
 *
 *   <prefix>{<record key>}:d    value: ["<session id>",<expiresAt>] + "\n" + the data (JSON text)
 *                               PX: expiresAt − now + margin
 *
 * One key per record (so one Cluster slot, tagged by the record's random key). A patch is applied in
 * JavaScript (`applyPatch`) to the record as the request read it and written in one round trip by a
 * script that replaces the value only if it is still exactly that record (compared by SHA-1 inside
 * Redis: the script moves strings, it never reads JSON). When it is not — another request changed it
 * in between — the patch goes through a check-and-set on the record as it is now (WATCH, GET,
 * `applyPatch`, MULTI SET EXEC, bounded retries), so concurrent patches to different paths all land
 * and a moved record refuses the old id. The data is
 * stored as the text it is (never decoded inside Redis); the expiry is kept in the value too, and
 * reads compare it with the caller's clock. An evicted or expired record reads as `null`: the
 * session is `revoked`, never an empty one.
 */
import { idPart, keyLock, numberOption } from "../lib/backend.ts";
import {
  assertRedisClient,
  checkRedisEvictionOnce,
  pxUntil,
  type RedisClientLike,
  type RedisCommandsLike,
  redisCheckAndSet,
  redisKeys,
  replyString,
} from "../lib/redis.ts";
import { dataStore } from "./feature.ts";
import { applyPatch } from "./patch.ts";
import type { DataStore, PatchOutcome, StoredRecord } from "./types.ts";

export interface RedisStoreOptions {
  /** Key prefix. Default `"sealed-session:data:"`. No `{` or `}`. */
  readonly prefix?: string;
  /** Seconds added to every TTL. Default 60. */
  readonly margin?: number;
  /** Check-and-set tries when other processes keep changing the same record. Default 10. */
  readonly attempts?: number;
  /**
   * Check once, in the background, that Redis does not evict keys (`maxmemory-policy noeviction`),
   * and warn if it may. Default `true`.
   */
  readonly checkEviction?: boolean;
}

const EVICTION = "an evicted record ends its session (revoked: the user is logged out and loses its data)";
const OK: PatchOutcome = Object.freeze({ ok: true });

/**
 * Replaces KEYS[1] with ARGV[2] (PX ARGV[3]) only if its value is ARGV[1] — or, with ARGV[4] "sha1",
 * if its value's SHA-1 is ARGV[1]; 1 if it did.
 */
const REPLACE_IF_UNCHANGED =
  "local was = redis.call('GET', KEYS[1]) or '' " +
  "if ARGV[4] == 'sha1' then was = redis.sha1hex(was) end " +
  "if was == ARGV[1] then redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3]) return 1 end return 0";

/**
 * Up to this many characters the record as read goes to the script as it is: sending it costs less
 * than a digest (`crypto.subtle` runs it as an asynchronous job: tens of µs a call on Node). Above
 * that, its SHA-1 is sent.
 */
const SEND_AS_IS = 4096;

/** Clients whose server refused a script (renamed EVAL, an ACL, a proxy without scripting). */
const noScripts = new WeakSet<RedisClientLike>();

/**
 * A reply that says scripts cannot run here (or, on a Cluster adapter that routes by the first
 * argument, that EVAL went to the wrong node): then the check-and-set does the write instead.
 */
const refusesScripts = (error: unknown) =>
  /unknown command|NOPERM|NOSCRIPT|scripting|MOVED|CROSSSLOT|not allowed|disabled/i.test(
    error instanceof Error ? error.message : String(error),
  );

async function sha1Hex(text: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-1", new TextEncoder().encode(text)));
  return Array.from(digest, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

const unreadable = () => new TypeError("sealed-session: unreadable value in the Redis data store");

function encode(record: StoredRecord): string {
  return `${JSON.stringify([record.sessionId, record.expiresAt])}\n${record.data}`;
}

/** A stored record; anything this code did not write throws (a fault, never a session). */
function decode(text: string): StoredRecord {
  const split = text.indexOf("\n");
  if (split === -1) throw unreadable();
  let head: unknown;
  try {
    head = JSON.parse(text.slice(0, split));
  } catch {
    throw unreadable();
  }
  const [sessionId, expiresAt] = Array.isArray(head) ? head : [];
  if (typeof sessionId !== "string" || !Number.isSafeInteger(expiresAt)) throw unreadable();
  return { sessionId, expiresAt: expiresAt as number, data: text.slice(split + 1) };
}

const bytesOf = (text: string) => new TextEncoder().encode(text).length;

export function redisStore(client: RedisClientLike, options: RedisStoreOptions = {}): DataStore {
  assertRedisClient(client, "redisStore(client)");
  const keys = redisKeys(options.prefix, "sealed-session:data:");
  const margin = numberOption("redisStore", "margin", options.margin, 60, 0) * 1000;
  const attempts = numberOption("redisStore", "attempts", options.attempts, 10, 1);
  if (options.checkEviction !== false) checkRedisEvictionOnce(client, EVICTION);
  const lock = keyLock();

  const keyOf = async (key: string) => keys.key(await idPart(key), "d");
  const read = async (connection: RedisCommandsLike, key: string, now: number) => {
    const text = replyString(await connection.command(["GET", key]));
    if (text === null) return null;
    const record = decode(text);
    return record.expiresAt < now ? null : record;
  };
  /** The write for a record: SET with its TTL, or DEL when its time has passed. */
  const put = (key: string, record: StoredRecord, now: number): string[] => {
    const px = pxUntil(record.expiresAt, now, margin);
    return px === undefined ? ["DEL", key] : ["SET", key, encode(record), "PX", px];
  };
  /** One check-and-set on a record's key. */
  const checkAndSet = <T>(
    key: string,
    decide: (record: StoredRecord | null) => { write?: string[]; result: T },
    now: number,
  ) =>
    redisCheckAndSet(
      client,
      [key],
      async (connection) => {
        const { write, result } = decide(await read(connection, key, now));
        return { writes: write === undefined ? [] : [write], result };
      },
      { attempts },
    );
  /**
   * Writes `write` (a SET) with one script call if the record is still `base`: true if it did;
   * false if the record changed, or the server refuses scripts (then the caller's check-and-set
   * runs). Any other failure is the write's: it may have landed, so it is never tried a second way.
   */
  const replaceIfUnchanged = async (key: string, base: StoredRecord, write: string[]) => {
    if (noScripts.has(client)) return false;
    const [, , value, , px] = write;
    const was = encode(base);
    const expected =
      was.length <= SEND_AS_IS ? [was, value!, px!] : [await sha1Hex(was), value!, px!, "sha1"];
    const replaced = await client
      .command(["EVAL", REPLACE_IF_UNCHANGED, "1", key, ...expected])
      .then(Number, (error: unknown) => {
        if (!refusesScripts(error)) throw error;
        noScripts.add(client);
        return 0;
      });
    return replaced === 1;
  };
  /**
   * A write decided in JavaScript, one at a time per key in this process: first against the record
   * as this request read it (`base`), in one script call; when that is not possible, a check-and-set.
   */
  const change = <T>(
    key: string,
    decide: (record: StoredRecord | null) => { write?: string[]; result: T },
    now: number,
    base?: StoredRecord,
  ) =>
    lock(key, async () => {
      const planned = base !== undefined && base.expiresAt >= now ? decide(base) : undefined;
      if (planned?.write?.[0] === "SET" && (await replaceIfUnchanged(key, base!, planned.write))) {
        return planned.result;
      }
      return checkAndSet(key, decide, now);
    });

  return dataStore({
    async get(key, { now }) {
      return read(client, await keyOf(key), now);
    },

    async create(key, record, { now, maxBytes }) {
      const bytes = bytesOf(record.data);
      if (bytes > maxBytes) return { ok: false, reason: "too_large", bytes };
      const rKey = await keyOf(key);
      const write = put(rKey, record, now);
      if (write[0] === "DEL") return OK; // expired already: nothing to keep
      // NX: one command, and never over a record that exists.
      if (replyString(await client.command([...write, "NX"])) !== null) return OK;
      // The key is taken: by a live record (a fault), or by one past its expiry still inside the margin.
      return change(
        rKey,
        (existing) => {
          if (existing !== null) throw new Error("sealed-session: redisStore.create: the key exists");
          return { write, result: OK };
        },
        now,
      );
    },

    async patch(key, { sessionId, patch, moveTo, expiresAt, base }, { now, maxBytes }) {
      const rKey = await keyOf(key);
      const apply = (record: StoredRecord | null): { write?: string[]; result: PatchOutcome } => {
        if (record === null) return { result: { ok: false, reason: "missing" } };
        if (record.sessionId !== sessionId) return { result: { ok: false, reason: "moved" } };
        const applied = applyPatch(record.data, patch, maxBytes);
        if (!applied.ok) return { result: applied };
        const next = { sessionId: moveTo ?? sessionId, data: applied.data, expiresAt };
        return { write: put(rKey, next, now), result: OK };
      };
      return change(rKey, apply, now, base);
    },

    async touch(key, sessionId, { now, expiresAt, base }) {
      const rKey = await keyOf(key);
      const extend = (record: StoredRecord | null): { write?: string[]; result: boolean } => {
        if (record === null || record.sessionId !== sessionId) return { result: false };
        // Touch only extends; an unchanged expiry keeps the TTL it was written with.
        if (expiresAt <= record.expiresAt) return { result: true };
        return { write: put(rKey, { ...record, expiresAt }, now), result: true };
      };
      return change(rKey, extend, now, base);
    },

    async delete(key) {
      await client.command(["DEL", await keyOf(key)]);
    },
  });
}
