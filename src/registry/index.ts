/**
 * `sealed-session/registry`: see and end sessions. A registry keeps every live logged-in session
 * of a user; pass one as `createSessions({ registry })`. Backends: memory, Redis and Deno KV here,
 * Durable Objects in `sealed-session/cloudflare`.
 */
export type { DenoKvAtomicLike, DenoKvAtomicOperationLike, DenoKvKeyPart } from "../lib/deno-kv.ts";
// The Redis client adapters, as in `sealed-session/revocation`: one import for a Redis-backed app.
export { bunRedisClient, ioredisClient, nodeRedisClient, type RedisClientLike } from "../lib/redis.ts";
export { type DenoKvRegistryOptions, denoKvRegistry } from "./deno-kv.ts";
export { registryStore } from "./feature.ts";
export { labelFromUserAgent } from "./label.ts";
export { type MemoryRegistryOptions, memoryRegistry } from "./memory.ts";
export { type RedisRegistryOptions, redisRegistry } from "./redis.ts";
export type {
  NewRegistryEntry,
  RegistryAdvance,
  RegistryEntry,
  RegistryErrorEvent,
  RegistryOptions,
  RegistryStore,
  SessionInfo,
} from "./types.ts";
