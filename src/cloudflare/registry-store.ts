/**
 * A `RegistryStore` over the `SessionRegistry` Durable Object (see registry-object.ts):
 * `createSessions({ registry: durableObjectRegistry(env.SESSION_REGISTRY, { namingKey }) })`. Every
 * operation is one call to the user's object — a refresh token's exchange (`advance`) too, so it is
 * atomic.
 */
import { ConfigError } from "../errors.ts";
import { registryStore } from "../registry/feature.ts";
import type { RegistryStore } from "../registry/types.ts";
import type { SessionRegistry } from "./registry-object.ts";
import { userObjectName } from "./revocation-store.ts";

export interface DurableObjectRegistryOptions {
  /**
   * A secret of at least 32 characters that names each user's object with a keyed hash of the user
   * id, so user ids never appear in object names, dashboards or logs. Never rotate it: a new key
   * names new, empty objects, and every registered session then reads as ended (logged out). Keep it
   * apart from the session secrets (they rotate). Make one with `npx sealed-session secret`.
   */
  readonly namingKey: string;
}

export function durableObjectRegistry(
  namespace: DurableObjectNamespace<SessionRegistry>,
  options: DurableObjectRegistryOptions,
): RegistryStore {
  if (typeof namespace?.getByName !== "function") {
    throw new TypeError(
      "sealed-session: durableObjectRegistry(namespace) needs a Durable Object namespace binding of the " +
        "SessionRegistry class (see docs/cloudflare.md)",
    );
  }
  const namingKey = options?.namingKey;
  if (typeof namingKey !== "string" || namingKey.length < 32) {
    throw new ConfigError(
      "durableObjectRegistry needs `namingKey`: a secret of at least 32 characters that never rotates " +
        "(make one with `npx sealed-session secret`), kept apart from the session secrets",
    );
  }
  // A fresh stub per call: after some errors a stub keeps failing, and getByName is cheap.
  const user = async (userId: string) => namespace.getByName(await userObjectName(userId, namingKey));
  return registryStore({
    register: async (userId, entry, { max, now, parent }) =>
      (await user(userId)).register(entry, max, now, parent ?? null),
    adopt: async (userId, entry, { max, now }) => (await user(userId)).adopt(entry, max, now),
    check: async (userId, sessionId, { now, touchAfter }) =>
      (await user(userId)).check(sessionId, now, touchAfter),
    rotate: async (userId, from, to, { now }) => (await user(userId)).rotate(from, to, now),
    remove: async (userId, sessionId, { now, expiresAt, children }) =>
      (await user(userId)).remove(sessionId, now, expiresAt, children ?? false),
    list: async (userId, { now }) => (await user(userId)).list(now),
    end: async (userId, handle, { now }) => (await user(userId)).end(handle, now),
    endAll: async (userId, { now, keep }) => (await user(userId)).endAll(now, keep ?? null),
    advance: async (userId, sessionId, { generation, now, reuseInterval, endParent }) =>
      (await user(userId)).advance(sessionId, generation, now, reuseInterval, endParent),
  });
}
