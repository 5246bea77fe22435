/**
 * `sealed-session/registry`: see and end sessions. A registry keeps every live logged-in session
 * of a user; pass one as `createSessions({ registry })`. Backends: memory here, Durable Objects in
 * `sealed-session/cloudflare`, Redis and Deno KV alongside.
 */
export { labelFromUserAgent } from "./label.ts";
export { type MemoryRegistryOptions, memoryRegistry } from "./memory.ts";
export type {
  NewRegistryEntry,
  RegistryAdvance,
  RegistryEntry,
  RegistryErrorEvent,
  RegistryOptions,
  RegistryStore,
  SessionInfo,
} from "./types.ts";
