/**
 * The contract between sessions and a revocation store. Runtime-neutral: stores take their client
 * (a KV binding, a Deno.Kv, …) as an argument and import nothing platform-specific.
 */
export interface RevocationQuery {
  readonly sessionId: string;
  /** Present when the session is bound to a user. */
  readonly userId: string | undefined;
  /** When the session id was issued, ms since the epoch. */
  readonly issuedAt: number;
}

export interface RevocationStore {
  /** True when the session id is revoked, or its user revoked every session issued at or before `issuedAt`. */
  isRevoked(query: RevocationQuery): Promise<boolean>;
  /** Revokes one session id until `expiresAt` (ms) has passed. */
  revokeSession(sessionId: string, expiresAt: number): Promise<void>;
  /** Revokes every session of `userId` issued at or before `before` (ms). */
  revokeUser(userId: string, before: number): Promise<void>;
}
