/**
 * Revocation on Redis (node-redis, ioredis, Bun's client — see src/lib/redis.ts). Exact: Redis is
 * strongly consistent, so there is no memo; a revocation holds on the very next check everywhere.
 *
 *   <prefix>{<user hash>}:u                 value: "<cutoff>:<until>"  PX: until − now + margin
 *   <prefix>{<user hash>}:s:<session id>    value: until               PX: until − now + margin
 *   <prefix>{<session id>}:s                value: until (a session without a user)
 *
 * A session with a user is stored under its user's hash tag, so a check reads both keys with one
 * MGET on one Cluster slot. TTLs are relative (PX), worked out per write from `until`: a caller
 * whose clock is off cannot make Redis expire a fact early. Values carry `until` too, and reads
 * compare it with the caller's clock, as the other stores do.
 */
import {
  assertRedisClient,
  checkRedisEvictionOnce,
  pxUntil,
  type RedisClientLike,
  redisCheckAndSet,
  redisKeys,
  replyArray,
  replyString,
} from "../lib/redis.ts";
import { atLeast, userKeyId } from "./keys.ts";
import type { RevocationQuery, RevocationStore, SessionRevocation, UserRevocation } from "./types.ts";

export interface RedisRevocationOptions {
  /** Key prefix. Default `"sealed-session:revoked:"`. No `{` or `}`. */
  readonly prefix?: string;
  /**
   * A stable secret mixed into the user hash in key names (HMAC instead of a plain SHA-256), so a
   * listing of the keys cannot confirm a guessed e-mail address. Changing it forgets every user revocation.
   */
  readonly pepper?: string;
  /** Seconds added to every TTL. Default 60. */
  readonly margin?: number;
  /**
   * Check once, in the background, that Redis does not evict keys (`maxmemory-policy noeviction`),
   * and warn if it may. Default `true`.
   */
  readonly checkEviction?: boolean;
  /** Clock in ms since the epoch, for tests. */
  readonly now?: () => number;
}

const EVICTION =
  "an evicted revocation lets a revoked cookie work again (logout and log-out-everywhere are undone)";

const unreadable = () => new TypeError("sealed-session: unreadable value in the Redis revocation store");

/** A session fact's `until`. Anything the store did not write is a fault, never "not revoked". */
function sessionUntil(value: string): number {
  if (!/^\d{1,16}$/.test(value)) throw unreadable();
  return Number(value);
}

/** A user fact, `"<cutoff>:<until>"`. */
function userFact(value: string): { cutoff: number; until: number } {
  const match = /^(\d{1,16}):(\d{1,16})$/.exec(value);
  if (match === null) throw unreadable();
  return { cutoff: Number(match[1]), until: Number(match[2]) };
}

// Session ids the library makes are base64url; anything else is hashed before it becomes a hash tag.
const safeTag = (id: string) => /^[A-Za-z0-9_-]{1,128}$/.test(id);

export function redisRevocationStore(
  client: RedisClientLike,
  options: RedisRevocationOptions = {},
): RevocationStore {
  assertRedisClient(client, "redisRevocationStore(client)");
  const keys = redisKeys(options.prefix, "sealed-session:revoked:");
  const now = options.now ?? Date.now;
  const margin = atLeast("margin", options.margin, 60, 0) * 1000;
  if (options.checkEviction !== false) checkRedisEvictionOnce(client, EVICTION);

  const userTag = (userId: string) => userKeyId(userId, options.pepper);
  const sessionKey = async (sessionId: string, userId: string | undefined) =>
    userId === undefined
      ? keys.key(safeTag(sessionId) ? sessionId : await userKeyId(sessionId, undefined), "s")
      : keys.key(await userTag(userId), `s:${sessionId}`);

  return {
    async isRevoked({ sessionId, userId, issuedAt }: RevocationQuery) {
      const sKey = await sessionKey(sessionId, userId);
      const uKey = userId === undefined ? undefined : keys.key(await userTag(userId), "u");
      // One command, one round trip; both keys share the user's slot.
      const reply = replyArray(
        await client.command(uKey === undefined ? ["MGET", sKey] : ["MGET", sKey, uKey]),
      );
      const time = now();
      const until = replyString(reply?.[0]);
      if (until !== null && sessionUntil(until) >= time) return true;
      const fact = replyString(reply?.[1]);
      if (fact === null) return false;
      const { cutoff, until: userUntil } = userFact(fact);
      return userUntil >= time && issuedAt <= cutoff;
    },

    async revokeSession({ sessionId, userId, until }: SessionRevocation) {
      const px = pxUntil(until, now(), margin);
      // A fact whose time has passed (margin included) protects nothing: every cookie it covers has expired.
      if (px === undefined) return;
      // Blind write: a session's `until` is its absolute expiry, the same however often it is revoked.
      await client.command(["SET", await sessionKey(sessionId, userId), String(until), "PX", px]);
    },

    async revokeUser({ userId, cutoff, until }: UserRevocation) {
      const uKey = keys.key(await userTag(userId), "u");
      // The later cutoff (and the later until) wins, whatever order concurrent writes arrive in.
      await redisCheckAndSet(client, [uKey], async (connection) => {
        const current = replyString(await connection.command(["GET", uKey]));
        const known = current === null ? undefined : userFact(current);
        const nextCutoff = Math.max(cutoff, known?.cutoff ?? cutoff);
        const nextUntil = Math.max(until, known?.until ?? until);
        if (known !== undefined && known.cutoff === nextCutoff && known.until === nextUntil) {
          return { writes: [], result: undefined };
        }
        const px = pxUntil(nextUntil, now(), margin);
        if (px === undefined) return { writes: [], result: undefined };
        return { writes: [["SET", uKey, `${nextCutoff}:${nextUntil}`, "PX", px]], result: undefined };
      });
    },
  };
}
