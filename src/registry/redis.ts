/**
 * A session registry on Redis (node-redis, ioredis, Bun's client — see src/lib/redis.ts):
 * `createSessions({ registry: { store: redisRegistry(nodeRedisClient(client), { namingKey }) } })`.
 *
 *   <prefix>{<user hash>}:u                 one user's entries and cutoff (JSON, user-state.ts)
 *                                           PX: until the last entry expires (or the cutoff is forgotten) + margin
 *   <prefix>{<user hash>}:x:<session id>    an ended id, refused by adopt: value until (ms)
 *                                           PX: until − now + margin
 *
 * Every write is one check-and-set on one user's keys (WATCH, read, decide in JavaScript, MULTI …
 * EXEC, bounded retries), so a login with a cap, "log out everywhere", an advance and a check never
 * interleave, whatever process they run in. A check that does not touch `lastSeenAt` is one GET.
 * Both keys of a user carry its hash tag: one Cluster slot. The user hash is HMAC-SHA-256 of the
 * user id with `namingKey`, as the Durable Object registry names its objects; no key holds a user id.
 * An evicted or expired user key reads as a user with no sessions: every one of them has ended.
 */
import { idPart, keyLock, namingKeyOption, numberOption, userHash } from "../lib/backend.ts";
import {
  assertRedisClient,
  checkRedisEvictionOnce,
  pxUntil,
  type RedisClientLike,
  type RedisCommandsLike,
  redisCheckAndSet,
  redisKeys,
  replyArray,
  replyString,
} from "../lib/redis.ts";
import { registryStore } from "./feature.ts";
import type { RegistryStore } from "./types.ts";
import * as users from "./user-state.ts";

export interface RedisRegistryOptions {
  /**
   * A secret of at least 32 characters that names each user's keys with a keyed hash of the user id,
   * so user ids never appear in key names. Never rotate it: a new key names new, empty users, and
   * every registered session then reads as ended (logged out). Keep it apart from the session
   * secrets (they rotate). Make one with `npx sealed-session secret`.
   */
  readonly namingKey: string;
  /** Key prefix. Default `"sealed-session:registry:"`. No `{` or `}`. */
  readonly prefix?: string;
  /** Seconds added to every TTL. Default 60. */
  readonly margin?: number;
  /** Check-and-set tries when other processes keep changing the same user. Default 10. */
  readonly attempts?: number;
  /**
   * Check once, in the background, that Redis does not evict keys (`maxmemory-policy noeviction`),
   * and warn if it may. Default `true`.
   */
  readonly checkEviction?: boolean;
}

const EVICTION =
  "an evicted registry key ends that user's sessions (they are logged out) and forgets their log-out-everywhere";
const ENGINE = "Redis";

const readUntil = (text: string | null): number | null => {
  if (text === null) return null;
  if (!/^\d{1,16}$/.test(text)) throw new TypeError("sealed-session: unreadable value in the Redis registry");
  return Number(text);
};

export function redisRegistry(client: RedisClientLike, options: RedisRegistryOptions): RegistryStore {
  assertRedisClient(client, "redisRegistry(client)");
  const namingKey = namingKeyOption("redisRegistry", options?.namingKey);
  const keys = redisKeys(options.prefix, "sealed-session:registry:");
  const margin = numberOption("redisRegistry", "margin", options.margin, 60, 0) * 1000;
  const attempts = numberOption("redisRegistry", "attempts", options.attempts, 10, 1);
  if (options.checkEviction !== false) checkRedisEvictionOnce(client, EVICTION);
  const lock = keyLock();

  const userTag = (userId: string) => userHash(userId, namingKey);
  const userKey = (tag: string) => keys.key(tag, "u");
  const endedKey = async (tag: string, sessionId: string) => keys.key(tag, `x:${await idPart(sessionId)}`);
  const read = async (connection: RedisCommandsLike, key: string) =>
    users.parseUser(replyString(await connection.command(["GET", key])), ENGINE);

  /** The writes of a decision: the user (or its deletion), then one key per ended id. */
  const writes = async (tag: string, decision: users.Decision<unknown>, now: number) => {
    const uKey = userKey(tag);
    const out: string[][] = [];
    if (decision.changed) {
      const until = users.keepUntil(decision.state);
      const px = until === undefined ? undefined : pxUntil(until, now, margin);
      out.push(
        px === undefined ? ["DEL", uKey] : ["SET", uKey, users.serializeUser(decision.state), "PX", px],
      );
    }
    for (const { sessionId, until } of decision.tombstones) {
      const px = pxUntil(until, now, margin);
      if (px !== undefined) out.push(["SET", await endedKey(tag, sessionId), String(until), "PX", px]);
    }
    return out;
  };

  /** One check-and-set over the user's key (and an ended id's, when `ended` is given). */
  const change = async <T>(
    userId: string,
    now: number,
    decide: (state: users.UserState, endedUntil: number | null) => users.Decision<T>,
    ended?: string,
  ): Promise<T> => {
    const tag = await userTag(userId);
    const uKey = userKey(tag);
    const eKey = ended === undefined ? undefined : await endedKey(tag, ended);
    return lock(uKey, () =>
      redisCheckAndSet(
        client,
        eKey === undefined ? [uKey] : [uKey, eKey],
        async (connection) => {
          let state: users.UserState;
          let endedUntil: number | null = null;
          if (eKey === undefined) state = await read(connection, uKey);
          else {
            const reply = replyArray(await connection.command(["MGET", uKey, eKey]));
            state = users.parseUser(replyString(reply?.[0]), ENGINE);
            endedUntil = readUntil(replyString(reply?.[1]));
          }
          const decision = decide(state, endedUntil);
          return { writes: await writes(tag, decision, now), result: decision.result };
        },
        { attempts },
      ),
    );
  };

  return registryStore(
    users.userStateRegistry({ read: async (userId) => read(client, userKey(await userTag(userId))), change }),
  );
}
