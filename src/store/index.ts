/**
 * `sealed-session/store`: where a session's data lives when it does not live in the cookie. Pass a
 * store as `createSessions({ store })`. Backends: memory here; Durable Objects in
 * `sealed-session/cloudflare`; Workers KV (single writer only), Redis and Deno KV alongside.
 */
export { type KvStoreBindingLike, type KvStoreOptions, kvStore } from "./kv.ts";
export { type MemoryStoreOptions, memoryStore } from "./memory.ts";
export { applyPatch, canonical, diff, type Patch, type Path } from "./patch.ts";
export type {
  DataStore,
  PatchOutcome,
  PatchRequest,
  StoredRecord,
  StoreErrorEvent,
  StoreOptions,
} from "./types.ts";
