/**
 * The contract between sessions and a server-side data store: where a session's data lives when it
 * does not live in the cookie. The cookie then carries a small sealed envelope with the record's key;
 * the record holds the data and the session id it currently belongs to. Runtime-neutral: backends take
 * their client or binding as an argument (memory, Durable Object, Workers KV, Redis, Deno KV) and run
 * the same conformance kit (test/kit/data-store.ts).
 *
 * Data travels as JSON text (one serialization boundary); a change travels as a `Patch` that the backend
 * applies atomically with `applyPatch` (patch.ts). Times are ms on the caller's clock.
 */
import type { Patch } from "./patch.ts";

/** A record as the store keeps it. */
export interface StoredRecord {
  /** The id of the session the record belongs to now: a cookie with another id is refused. */
  readonly sessionId: string;
  /** The data, as JSON text of a plain object. */
  readonly data: string;
  /** When the record expires (the session's absolute or idle expiry, whichever comes first). */
  readonly expiresAt: number;
  /**
   * What `get` says of this exact record, opaque (Deno KV: its versionstamp), handed back in a write's
   * `base`: a store that can check it writes without reading the record again. Stores may omit it.
   */
  readonly version?: string | undefined;
}

/** What `patch` did. */
export type PatchOutcome =
  | { readonly ok: true }
  /** No record, or it expired: the session is over (`revoked`). */
  | { readonly ok: false; readonly reason: "missing" }
  /** The record belongs to another session id now (a copy of an older cookie). */
  | { readonly ok: false; readonly reason: "moved" }
  /** `expect` did not hold at these paths: another request changed them first. */
  | { readonly ok: false; readonly reason: "conflict"; readonly paths: readonly (readonly string[])[] }
  /** The patched data would exceed `maxBytes`. */
  | { readonly ok: false; readonly reason: "too_large"; readonly bytes: number };

export interface PatchRequest {
  /** The session id the record must belong to for the patch to apply. */
  readonly sessionId: string;
  readonly patch: Patch;
  /** A new session id (login, regenerate): the record moves to it in the same step. */
  readonly moveTo?: string | undefined;
  /** A new expiry. */
  readonly expiresAt: number;
  /**
   * The record as this request read it, when it did: a hint. A store may apply the patch to it and
   * replace the record in one step if the record is still exactly that (Redis: one round trip instead
   * of a read and a check-and-set); otherwise, or when it differs, it patches the record it finds.
   * A store that sends the request elsewhere to be applied (a Durable Object) leaves it out.
   */
  readonly base?: StoredRecord | undefined;
}

export interface DataStore {
  /** The record, or `null` when there is none (or it expired). Rejects when the store cannot answer. */
  get(key: string, options: { readonly now: number }): Promise<StoredRecord | null>;
  /** Creates a record under a new key. Rejects when it cannot store (never overwrites a record). */
  create(
    key: string,
    record: StoredRecord,
    options: { readonly now: number; readonly maxBytes: number },
  ): Promise<PatchOutcome>;
  /** Applies a patch atomically, if the record belongs to `sessionId`. */
  patch(
    key: string,
    request: PatchRequest,
    options: { readonly now: number; readonly maxBytes: number },
  ): Promise<PatchOutcome>;
  /**
   * Extends the record's expiry (an idle refresh), if it belongs to `sessionId`. `base` is the record
   * as this request read it, a hint as in `PatchRequest`.
   */
  touch(
    key: string,
    sessionId: string,
    options: { readonly now: number; readonly expiresAt: number; readonly base?: StoredRecord | undefined },
  ): Promise<boolean>;
  /** Deletes the record (logout). */
  delete(key: string, options: { readonly now: number }): Promise<void>;
}

/** What the `onStoreError` callback of the store options receives. Never carries ids or data. */
export interface StoreErrorEvent {
  readonly operation: "get" | "create" | "patch" | "touch" | "delete";
  readonly kind: "error" | "timeout";
  /** The backend's error. May carry backend details; log it with care. */
  readonly error: unknown;
  /** For writes: whether a retry was handed to `waitUntil` (only deletes are retried). */
  readonly retry: boolean;
}

export interface StoreOptions {
  readonly store: DataStore;
  /**
   * `"auto"` (default): a session stays in the cookie while it fits `spillAt` and moves to the store
   * when it grows past it — small sessions cost no storage. `"always"`: every session with data lives
   * in the store. Either way `session.moveToStore()` moves one session there (a cart that concurrent
   * requests change). Moving is one-way, and the session gets a new id.
   */
  readonly mode?: "auto" | "always";
  /** Bytes of cookie past which an `"auto"` session moves to the store. Default `cookie.warnAt` (3584). */
  readonly spillAt?: number;
  /** Bytes of data (JSON) one session may keep in the store. Default 65,536. */
  readonly maxBytes?: number;
  /**
   * Two requests that change the *same* path: `"last-write-wins"` (default) or `"error"` — the later
   * commit throws `StoreConflictError`. Changes to different paths always both land.
   */
  readonly conflicts?: "last-write-wins" | "error";
  /** ms to wait for the store. Default 2000. */
  readonly timeout?: number;
  /**
   * A failed or slow read: `"closed"` (default: anonymous and read-only for this response, reason
   * `store_unavailable`), or a function that sees every failure and may return `"closed"`.
   * There is no `"open"`: without its data a stored session cannot be served.
   */
  readonly onStoreError?: "closed" | ((event: StoreErrorEvent) => unknown);
}
