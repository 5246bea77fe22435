/**
 * `sealed-session/revocation`: stores that make logout real. A separate entry point, so an app
 * without revocation bundles none of it.
 */
export {
  type BunRedisConnectionLike,
  type BunRedisLike,
  bunRedisClient,
  type IoredisConnectionLike,
  type IoredisLike,
  type IsolatedPoolOptions,
  ioredisClient,
  type NodeRedisClientLike,
  type NodeRedisConnectionLike,
  type NodeRedisPoolLike,
  nodeRedisClient,
  type RedisClientLike,
  type RedisCommandsLike,
} from "../lib/redis.ts";
export { type DenoKvLike, type DenoKvRevocationOptions, denoKvRevocationStore } from "./deno-kv.ts";
export { type KvBindingLike, type KvRevocationOptions, kvRevocationStore } from "./kv.ts";
export { type MemoryRevocationOptions, memoryRevocationStore } from "./memory.ts";
export { RevocationBacklogError, RevocationWriteError } from "./policy.ts";
export { type RedisRevocationOptions, redisRevocationStore } from "./redis.ts";
export type {
  FailurePolicy,
  RevocationErrorEvent,
  RevocationOptions,
  RevocationQuery,
  RevocationStore,
  SessionRevocation,
  UserRevocation,
} from "./types.ts";
