/**
 * `sealed-session/store`: where a session's data lives when it does not live in the cookie. Pass a
 * store as `createSessions({ store })`. Backends: memory, Redis, Deno KV and Workers KV (single
 * writer only) here; Durable Objects in `sealed-session/cloudflare`.
 */
export type { DenoKvAtomicLike, DenoKvAtomicOperationLike, DenoKvKeyPart } from "../lib/deno-kv.ts";
// The Redis client adapters, as in `sealed-session/revocation`: one import for a Redis-backed app.
export { bunRedisClient, ioredisClient, nodeRedisClient, type RedisClientLike } from "../lib/redis.ts";
export { type DenoKvStoreOptions, denoKvStore } from "./deno-kv.ts";
export { dataStore } from "./feature.ts";
export { type KvStoreBindingLike, type KvStoreOptions, kvStore } from "./kv.ts";
export { type MemoryStoreOptions, memoryStore } from "./memory.ts";
export { applyPatch, canonical, diff, type Patch, type Path } from "./patch.ts";
export { type RedisStoreOptions, redisStore } from "./redis.ts";
export type {
  DataStore,
  PatchOutcome,
  PatchRequest,
  StoredRecord,
  StoreErrorEvent,
  StoreOptions,
} from "./types.ts";
