/**
 * `sealed-session/cloudflare`: what only runs on Cloudflare Workers — Durable Object classes (they
 * extend `DurableObject` from `cloudflare:workers`, which Node, Deno and Bun cannot load) and the
 * stores that use them. Never re-exported from the package root. Re-export each class you bind
 * from your Worker's main module; class names are stable (renaming one is a migration).
 */
export { SessionRegistry } from "./registry-object.ts";
export { type DurableObjectRegistryOptions, durableObjectRegistry } from "./registry-store.ts";
export { SessionRevocations } from "./revocation-object.ts";
export { type DurableObjectRevocationOptions, durableObjectRevocationStore } from "./revocation-store.ts";
export { durableObjectStore } from "./store-client.ts";
export { SessionDataStore } from "./store-object.ts";
