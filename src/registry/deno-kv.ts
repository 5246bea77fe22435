/**
 * A session registry on Deno KV (`Deno.openKv()`: local SQLite, or Deno Deploy's):
 * `createSessions({ registry: { store: denoKvRegistry(kv, { namingKey }) } })`.
 *
 *   [...prefix, "u", <user hash>]                 one user's entries and cutoff (JSON, user-state.ts),
 *   [...prefix, "u", <user hash>, i]              in parts when it outgrows one 64 KiB value
 *   [...prefix, "x", <user hash>, <session id>]   an ended id, refused by adopt: value until (ms)
 *
 * Every write is one atomic commit with a versionstamp `check` on the user (and on the ended id it
 * read), retried a bounded number of times when another writer committed in between; so a login
 * with a cap, "log out everywhere", an advance and a check never interleave. A check that does not
 * touch `lastSeenAt` is one read. The user hash is HMAC-SHA-256 of the user id with `namingKey`, as
 * the Durable Object registry names its objects. `expireIn` is only a hint, so every entry keeps its
 * expiry and reads compare it with the caller's clock.
 */
import { idPart, keyLock, namingKeyOption, numberOption, userHash } from "../lib/backend.ts";
import { fromUtf8, utf8 } from "../lib/bytes.ts";
import {
  assertDenoKv,
  type DenoKvAtomicLike,
  type DenoKvAtomicOperationLike,
  type DenoKvKey,
  type DenoKvKeyPart,
  deleteParts,
  denoKvCheckAndSet,
  expireIn,
  readParts,
  writeParts,
} from "../lib/deno-kv.ts";
import { registryStore } from "./feature.ts";
import type { RegistryStore } from "./types.ts";
import * as users from "./user-state.ts";

export interface DenoKvRegistryOptions {
  /**
   * A secret of at least 32 characters that names each user's keys with a keyed hash of the user id,
   * so user ids never appear in keys. Never rotate it: a new key names new, empty users, and every
   * registered session then reads as ended (logged out). Keep it apart from the session secrets
   * (they rotate). Make one with `npx sealed-session secret`.
   */
  readonly namingKey: string;
  /** Key prefix. Default `["sealed-session", "registry"]`. */
  readonly prefix?: readonly DenoKvKeyPart[];
  /** Seconds added to every `expireIn`. Default 60. */
  readonly margin?: number;
  /** Check-and-set tries when other processes keep changing the same user. Default 10. */
  readonly attempts?: number;
}

const WHAT = "registry";
const ENGINE = "Deno KV";
/**
 * Ended ids written in the commit that ends them. Deno KV limits a commit's keys to 80 KiB: beyond
 * this many (only "log out everywhere" of a user with hundreds of sessions), the rest follow in
 * commits of their own — the user's cutoff, written in the first, already refuses every one of them.
 */
const TOMBSTONES_PER_COMMIT = 200;

interface LoadedUser {
  readonly versionstamp: string | null;
  readonly parts: number;
  readonly state: users.UserState;
}

export function denoKvRegistry(kv: DenoKvAtomicLike, options: DenoKvRegistryOptions): RegistryStore {
  assertDenoKv(kv, "denoKvRegistry(kv)");
  const namingKey = namingKeyOption("denoKvRegistry", options?.namingKey);
  const prefix = options.prefix ?? ["sealed-session", "registry"];
  const margin = numberOption("denoKvRegistry", "margin", options.margin, 60, 0) * 1000;
  const attempts = numberOption("denoKvRegistry", "attempts", options.attempts, 10, 1);
  const lock = keyLock();

  const userKey = (hash: string): DenoKvKey => [...prefix, "u", hash];
  const endedKey = async (hash: string, sessionId: string): Promise<DenoKvKey> => [
    ...prefix,
    "x",
    hash,
    await idPart(sessionId),
  ];

  const load = async (key: DenoKvKey): Promise<LoadedUser> => {
    const { versionstamp, value } = await readParts(kv, key, WHAT, attempts);
    if (value === null) return { versionstamp, parts: 0, state: users.EMPTY };
    let text: string;
    try {
      text = fromUtf8.decode(value.bytes);
    } catch {
      throw new TypeError("sealed-session: unreadable value in the Deno KV registry");
    }
    return { versionstamp, parts: value.parts, state: users.parseUser(text, ENGINE) };
  };

  const readEnded = async (key: DenoKvKey) => {
    const [entry] = await kv.getMany([key]);
    const until = entry?.value ?? null;
    if (until !== null && !Number.isSafeInteger(until)) {
      throw new TypeError("sealed-session: unreadable value in the Deno KV registry");
    }
    return { versionstamp: entry?.versionstamp ?? null, until: until as number | null };
  };

  /** The commit of a decision: the user (or its deletion) checked, then the ended ids. */
  const commitOf = async (
    hash: string,
    loaded: LoadedUser,
    decision: users.Decision<unknown>,
    now: number,
    checks: { key: DenoKvKey; versionstamp: string | null }[],
  ): Promise<{ op: DenoKvAtomicOperationLike | undefined; rest: [DenoKvKey, number][] }> => {
    const tombstones: [DenoKvKey, number][] = [];
    for (const { sessionId, until } of decision.tombstones) {
      if (until + margin > now) tombstones.push([await endedKey(hash, sessionId), until]);
    }
    if (!decision.changed && tombstones.length === 0) return { op: undefined, rest: [] };
    const key = userKey(hash);
    const op = kv.atomic().check({ key, versionstamp: loaded.versionstamp }, ...checks);
    if (decision.changed) {
      const until = users.keepUntil(decision.state);
      if (until === undefined || until + margin <= now) deleteParts(op, key, loaded.parts);
      else {
        const bytes = utf8.encode(users.serializeUser(decision.state));
        writeParts(op, key, {}, bytes, loaded.parts, expireIn(until, now, margin));
      }
    }
    for (const [tKey, until] of tombstones.slice(0, TOMBSTONES_PER_COMMIT)) {
      op.set(tKey, until, { expireIn: expireIn(until, now, margin) });
    }
    return { op, rest: tombstones.slice(TOMBSTONES_PER_COMMIT) };
  };

  /** One check-and-set over the user (and an ended id's key, when `ended` is given). */
  const change = async <T>(
    userId: string,
    now: number,
    decide: (state: users.UserState, endedUntil: number | null) => users.Decision<T>,
    ended?: string,
  ): Promise<T> => {
    const hash = await userHash(userId, namingKey);
    const eKey = ended === undefined ? undefined : await endedKey(hash, ended);
    let rest: [DenoKvKey, number][] = [];
    const result = await lock(hash, () =>
      denoKvCheckAndSet(attempts, async () => {
        const loaded = await load(userKey(hash));
        const endedRead = eKey === undefined ? undefined : await readEnded(eKey);
        const decision = decide(loaded.state, endedRead?.until ?? null);
        const checks =
          eKey === undefined ? [] : [{ key: eKey, versionstamp: endedRead?.versionstamp ?? null }];
        const commit = await commitOf(hash, loaded, decision, now, checks);
        rest = commit.rest;
        return { op: commit.op, result: decision.result };
      }),
    );
    // Only after a commit past TOMBSTONES_PER_COMMIT ended ids (see there).
    for (let i = 0; i < rest.length; i += TOMBSTONES_PER_COMMIT) {
      const op = kv.atomic();
      for (const [tKey, until] of rest.slice(i, i + TOMBSTONES_PER_COMMIT)) {
        op.set(tKey, until, { expireIn: expireIn(until, now, margin) });
      }
      await op.commit();
    }
    return result;
  };

  return registryStore(
    users.userStateRegistry({
      read: async (userId) => (await load(userKey(await userHash(userId, namingKey)))).state,
      change,
    }),
  );
}
