/**
 * The contract between sessions and a revocation store. Runtime-neutral: stores take their client
 * (a KV binding, a Deno.Kv, …) as an argument and import nothing platform-specific.
 *
 * Times are ms since the epoch. A store may forget a fact once its `until` has passed: by then
 * every cookie it could reject has expired anyway.
 */
export interface RevocationQuery {
  readonly sessionId: string;
  /** Present when the session is bound to a user. */
  readonly userId: string | undefined;
  /** When the session id was issued. */
  readonly issuedAt: number;
}

/** One session id, revoked by logout or replaced by login/regenerate. */
export interface SessionRevocation {
  readonly sessionId: string;
  /**
   * The session's user, when it had one. Part of the contract: a session with a user is revoked with
   * it, and checked with it (`RevocationQuery.userId`), so a store may keep a user's facts together
   * (one Durable Object per user does). The manager and the token verifier always pass it.
   */
  readonly userId?: string | undefined;
  /** Keep the fact at least until then: the session's absolute expiry plus the clock tolerance. */
  readonly until: number;
}

/** "Log out everywhere": every session of `userId` issued at or before `cutoff` is revoked. */
export interface UserRevocation {
  readonly userId: string;
  /** Sessions with `issuedAt <= cutoff` are revoked; later ones are not. */
  readonly cutoff: number;
  /** Keep the fact at least until then: `cutoff` plus `maxAge` plus the clock tolerance. */
  readonly until: number;
}

export interface RevocationStore {
  /**
   * True when the session id is revoked, or its user revoked every session issued at or before
   * `issuedAt`. Rejects when the store cannot answer; the manager then applies its failure policy.
   */
  isRevoked(query: RevocationQuery): Promise<boolean>;
  /** Records a revoked session id. Blind write: never reads first. */
  revokeSession(revocation: SessionRevocation): Promise<void>;
  /** Records a user's cutoff. Blind write: the last write wins. */
  revokeUser(revocation: UserRevocation): Promise<void>;
}

/** What the manager's `onStoreError` callback receives. Never carries ids, tokens or user data. */
export interface RevocationErrorEvent {
  /** `check` when loading a session; the others are writes. */
  readonly operation: "check" | "revokeSession" | "revokeUser";
  /** `timeout` when the store did not answer within `timeout` ms. */
  readonly kind: "error" | "timeout";
  /** The store's error (on `kind: "error"`). May carry store details; log it with care. */
  readonly error: unknown;
  /** For writes: whether a retry was handed to `waitUntil`; `true` also on the retry's own failure report. */
  readonly retry: boolean;
}

/** `"closed"` (default) loads the session as anonymous `revocation_unavailable`; `"open"` accepts it. */
export type FailurePolicy = "closed" | "open";

export interface RevocationOptions {
  readonly store: RevocationStore;
  /** ms to wait for the store before treating it as failed. Default 2000. */
  readonly timeout?: number;
  /**
   * What a failed or slow check does: `"closed"` (default), `"open"`, or a function that sees every
   * failure (checks and writes) and may return `"open"` or `"closed"` for checks. Without a function,
   * failures are logged at most once a minute, without ids.
   */
  readonly onStoreError?: FailurePolicy | ((event: RevocationErrorEvent) => FailurePolicy | unknown);
  /**
   * Check (and revoke) anonymous sessions too. Default `false`: an anonymous cookie carries no
   * authority, anyone can get a new one for free, and skipping it keeps KV reads to logged-in traffic.
   */
  readonly checkAnonymous?: boolean;
  /** ms before the `waitUntil` retry of a failed write (KV allows one write per key per second). Default 1100. */
  readonly retryDelay?: number;
}
