/**
 * A `RevocationStore` over the `SessionRevocations` Durable Object (see revocation-object.ts):
 * `createSessions({ revocation: durableObjectRevocationStore(env.REVOCATIONS, { namingKey }) })`.
 * Exact: no memo, so every logged-in request makes one call to its user's object (~1 ms inside one
 * location), and a revocation holds on the very next request everywhere.
 */
import { ConfigError } from "../errors.ts";
import { userKeyId } from "../revocation/keys.ts";
import type {
  RevocationQuery,
  RevocationStore,
  SessionRevocation,
  UserRevocation,
} from "../revocation/types.ts";
import type { SessionRevocations } from "./revocation-object.ts";

export interface DurableObjectRevocationOptions {
  /**
   * A secret of at least 32 characters that names each user's object with a keyed hash of the user
   * id, so user ids never appear in object names, dashboards or logs. Never rotate it: a new key
   * names new, empty objects and forgets every revocation. Keep it apart from the session secrets
   * (they rotate). Make one with `npx sealed-session secret`.
   */
  readonly namingKey: string;
  /** Clock in ms since the epoch, for tests. */
  readonly now?: () => number;
}

/** Object names: `u:` + keyed hash of the user id, or `s:` + the first two characters of an anonymous id. */
export const userObjectName = async (userId: string, namingKey: string) =>
  `u:${await userKeyId(userId, namingKey)}`;
const shardName = (sessionId: string) => `s:${sessionId.slice(0, 2)}`;

export function durableObjectRevocationStore(
  namespace: DurableObjectNamespace<SessionRevocations>,
  options: DurableObjectRevocationOptions,
): RevocationStore {
  if (typeof namespace?.getByName !== "function") {
    throw new TypeError(
      "sealed-session: durableObjectRevocationStore(namespace) needs a Durable Object namespace binding " +
        "of the SessionRevocations class (see docs/cloudflare.md)",
    );
  }
  const namingKey = options?.namingKey;
  if (typeof namingKey !== "string" || namingKey.length < 32) {
    throw new ConfigError(
      "durableObjectRevocationStore needs `namingKey`: a secret of at least 32 characters that never rotates " +
        "(make one with `npx sealed-session secret`), kept apart from the session secrets",
    );
  }
  const now = options.now ?? Date.now;
  // A fresh stub per call: after some errors a stub keeps failing, and getByName is cheap.
  const objectOf = async (sessionId: string, userId: string | undefined) =>
    namespace.getByName(
      userId === undefined ? shardName(sessionId) : await userObjectName(userId, namingKey),
    );

  return {
    async isRevoked({ sessionId, userId, issuedAt }: RevocationQuery) {
      return (await objectOf(sessionId, userId)).isRevoked(sessionId, issuedAt, now());
    },
    async revokeSession({ sessionId, until, userId }: SessionRevocation) {
      await (await objectOf(sessionId, userId)).revokeSession(sessionId, until, now());
    },
    async revokeUser({ userId, cutoff, until }: UserRevocation) {
      await namespace.getByName(await userObjectName(userId, namingKey)).revokeUser(cutoff, until, now());
    },
  };
}
