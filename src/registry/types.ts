/**
 * The contract between sessions and a session registry: every live logged-in session of a user, so
 * the user (or an admin) can see and end them, and ending one holds on the next check. Runtime-
 * neutral: backends take their client or binding as an argument (memory, Durable Object, Redis,
 * Deno KV) and run the same conformance kit (test/kit/registry.ts).
 *
 * Everything is scoped by user, and each call is atomic in the backend: two logins of one user at
 * once never exceed `max`, and `endAll` ends exactly the entries registered before it. Times are
 * ms since the epoch on the caller's clock (`now`), passed in so that tests can move time.
 */

/** A session as the registry keeps it. */
export interface RegistryEntry {
  /** Random, stored with the entry, stable across `regenerate()`; never derived from the session id. */
  readonly handle: string;
  /** The session's current id. Never shown to users: listings carry the handle. */
  readonly sessionId: string;
  readonly createdAt: number;
  /** Coarse: written at most every `touchAfter` ms. */
  readonly lastSeenAt: number;
  /** The session's absolute expiry: the backend forgets the entry after it. */
  readonly expiresAt: number;
  /** "Chrome on Linux", or what the app supplied; at most 64 characters, plain text. */
  readonly label: string;
  /** `"cookie"` for a browser session; `"refresh"` for a refresh-token family. */
  readonly kind: string;
  /**
   * A refresh-token family's generation: that of its newest refresh token, from 1, moved only by
   * `advance`. 0 for a cookie session.
   */
  readonly generation: number;
  /** A refresh-token family's parent: the handle of the session it was issued from, or `null`. */
  readonly parent: string | null;
}

/**
 * What `register` and `adopt` store. `generation` defaults to 0 (a cookie session); a family is
 * registered with `kind: "refresh"` and `generation: 1`, and gets its `parent` from `register`'s
 * `parent` option.
 */
export type NewRegistryEntry = Omit<RegistryEntry, "lastSeenAt" | "generation" | "parent"> & {
  readonly generation?: number;
};

/** What `advance` did (see there). */
export type RegistryAdvance =
  /** The generation moved on by one: `entry.generation` is the new one. */
  | { readonly outcome: "rotated"; readonly entry: RegistryEntry }
  /** Within `reuseInterval` of the last advance, its successor unused: nothing changed. */
  | { readonly outcome: "repeated"; readonly entry: RegistryEntry }
  /** A spent generation: the family (and, with `endParent`, its parent) ended in the same step. */
  | { readonly outcome: "reused"; readonly ended: readonly string[] };

export interface RegistryStore {
  /**
   * Registers a new session of `userId` and, atomically, ends the user's oldest live sessions
   * (by `createdAt`) beyond `max`. Returns the session ids it ended. Rejects when it cannot store.
   */
  register(
    userId: string,
    entry: NewRegistryEntry,
    options: {
      readonly max: number;
      readonly now: number;
      /**
       * For a refresh-token family issued from a session: that session's id. The family is
       * registered only while that session's entry is live, and records the entry's handle as its
       * `parent` (in the same step), and `registered` is `true`; otherwise nothing is registered and
       * `registered` is `false`. Without `parent`, `registered` may be left out.
       */
      readonly parent?: string | undefined;
    },
  ): Promise<{ readonly ended: readonly string[]; readonly registered?: boolean }>;

  /**
   * Registers a session that was logged in before the registry was configured — unless its id was
   * ended, or it was issued at or before the user's last `endAll`: then `null` (it must not come
   * back). An id that is already registered returns its entry unchanged.
   */
  adopt(
    userId: string,
    entry: NewRegistryEntry & { readonly issuedAt: number },
    options: { readonly max: number; readonly now: number },
  ): Promise<{ readonly entry: RegistryEntry; readonly ended: readonly string[] } | null>;

  /**
   * The live entry of `sessionId`, or `null` when it was ended, expired or never registered. Moves
   * `lastSeenAt` to `now` when it is older than `touchAfter` ms.
   */
  check(
    userId: string,
    sessionId: string,
    options: { readonly now: number; readonly touchAfter: number },
  ): Promise<RegistryEntry | null>;

  /**
   * Moves a live entry to a new session id (`regenerate`), keeping its handle; the old id counts as
   * ended. `false` when the entry was ended meanwhile.
   */
  rotate(
    userId: string,
    fromSessionId: string,
    toSessionId: string,
    options: { readonly now: number },
  ): Promise<boolean>;

  /**
   * Ends one session by id (logout). `false` when it was not live. Either way the id counts as
   * ended until `expiresAt`, so a copy of a cookie from before the registry cannot be adopted.
   * With `children` (a logout, not a login replacing the id), the live entries whose `parent` is
   * this entry's handle (its refresh-token families) end in the same step.
   */
  remove(
    userId: string,
    sessionId: string,
    options: { readonly now: number; readonly expiresAt: number; readonly children?: boolean },
  ): Promise<boolean>;

  /** The user's live entries, newest first. */
  list(userId: string, options: { readonly now: number }): Promise<readonly RegistryEntry[]>;

  /** Ends the user's entry with this handle; returns its session id, or `null` when the user has none such. */
  end(userId: string, handle: string, options: { readonly now: number }): Promise<string | null>;

  /**
   * Ends every live entry of the user registered before this call, except the session `keep`;
   * returns the session ids ended. No session issued up to `now` can be adopted afterwards.
   */
  endAll(
    userId: string,
    options: { readonly now: number; readonly keep?: string | undefined },
  ): Promise<readonly string[]>;

  /**
   * One exchange of a refresh token of generation `generation` from the family `sessionId`, in one
   * atomic step — whatever runs at the same time, a generation is exchanged at most once:
   * - `generation` is the family's current one: it moves to `generation + 1`, `lastSeenAt` and the
   *   time of this advance become `now` → `"rotated"`;
   * - it is the one just before, `reuseInterval` > 0, and `now` is at most `reuseInterval` ms after
   *   the advance that spent it (so its successor is still unused): nothing changes → `"repeated"`;
   * - anything else (a spent generation): the family ends (as `end` does) and, with `endParent`,
   *   the live entry whose handle is its `parent` → `"reused"` with the session ids ended.
   * `null` when there is no live family of that id (ended, expired, never registered, or a cookie
   * session's id).
   */
  advance(
    userId: string,
    sessionId: string,
    options: {
      readonly generation: number;
      readonly now: number;
      readonly reuseInterval: number;
      readonly endParent: boolean;
    },
  ): Promise<RegistryAdvance | null>;
}

/** What a listing shows a user: their devices, never a session id. */
export interface SessionInfo {
  /** The registry handle: what `endSession` takes. */
  readonly id: string;
  /** This is the session that asked. */
  readonly current: boolean;
  readonly createdAt: number;
  readonly lastSeenAt: number;
  readonly expiresAt: number;
  readonly label: string;
  readonly kind: string;
}

/** What the `onStoreError` callback of the registry options receives. Never carries ids or user data. */
export interface RegistryErrorEvent {
  readonly operation:
    | "check"
    | "adopt"
    | "register"
    | "rotate"
    | "remove"
    | "list"
    | "end"
    | "endAll"
    | "advance";
  readonly kind: "error" | "timeout";
  /** The backend's error. May carry backend details; log it with care. */
  readonly error: unknown;
  /** For writes: whether a retry was handed to `waitUntil`. */
  readonly retry: boolean;
}

export interface RegistryOptions {
  readonly store: RegistryStore;
  /**
   * Seconds a logged-in session's "still live?" answer is reused in this isolate or process.
   * Default 0: every request asks. An ending holds everywhere within this, and at once on the
   * isolate that ended it.
   */
  readonly checkEvery?: number;
  /** Live sessions a user may have; a login beyond it ends the user's oldest. Default 10, at most 1000. */
  readonly maxSessionsPerUser?: number;
  /** Seconds between writes of an entry's `lastSeenAt`. Default 300. */
  readonly touchEvery?: number;
  /** ms to wait for the backend. Default 2000. */
  readonly timeout?: number;
  /**
   * A failed or slow check: `"closed"` (default: the session is anonymous and read-only for the
   * response, reason `revocation_unavailable`), `"open"`, or a function that sees every failure.
   */
  readonly onStoreError?: "closed" | "open" | ((event: RegistryErrorEvent) => "closed" | "open" | unknown);
  /** Adopt logged-in sessions from before the registry (no registered flag) on their first check. Default true. */
  readonly adoptUnregistered?: boolean;
}
