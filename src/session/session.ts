import { ConfigError, type ReasonCode, SessionDestroyedError, SessionReadOnlyError } from "../errors.ts";
import { randomId } from "../lib/bytes.ts";
import { toJson } from "../lib/json.ts";
import { type Envelope, FLAG_BROWSER_SESSION } from "./envelope.ts";

/** What a session needs from its manager. */
export interface SessionContext {
  readonly now: () => number;
  /**
   * Issued-at for new ids (ms): `now()`, but always after the last `revokeUser` cutoff this manager
   * wrote, so a login right after "log out everywhere" is never caught by it. Default `now`.
   */
  readonly issueTime?: () => number;
  /** Seconds. */
  readonly maxAge: number;
  /** Seconds, or undefined when sessions have no idle timeout. */
  readonly idleTimeout: number | undefined;
  readonly persistent: boolean;
  /** The data version new sessions are written with (`dataVersion`). Default 0. */
  readonly dataVersion?: number;
  /** A copy of the data a new session starts with; undefined means `{}`. */
  readonly initialData?: () => Record<string, unknown>;
}

export interface LoginOptions<Data = Record<string, unknown>> {
  /**
   * How this session shows in the user's device list (with a `registry`): at most 64 characters,
   * plain text. Default: from the request's User-Agent, e.g. "Chrome on Linux".
   */
  readonly label?: string;
  /**
   * Logging in as a *different* user than the one bound starts from empty data and flash, so one
   * user never inherits another's. `true` keeps all data anyway, a list keeps those keys. Logging in
   * from an anonymous session, or as the same user again, always keeps the data (a cart, say).
   */
  readonly keep?: boolean | readonly (keyof Data & string)[];
  /** This session's absolute lifetime in seconds ("remember me"); at most the manager's `maxAge`. */
  readonly maxAge?: number;
  /** `false` makes a browser-session cookie (no Max-Age): gone when the browser closes. */
  readonly persistent?: boolean;
}

export interface RegenerateOptions<Data> {
  /** Keep the data: `true` keeps all of it, a list keeps those keys. Default: start with empty data. */
  readonly keep?: boolean | readonly (keyof Data & string)[];
}

/** A session id this request replaced or ended; revoked on commit when a store is configured. */
export interface EndedSession {
  readonly id: string;
  readonly userId: string | null;
  /** ms since the epoch. */
  readonly expiresAt: number;
}

export const newSessionId = randomId;
const FROZEN_EMPTY = Object.freeze({});

/**
 * One request's session. Read and change `data`; call `login`, `regenerate`, `destroy` or `flash`;
 * the manager's `commit` writes what changed.
 */
export class Session<
  Data extends object = Record<string, unknown>,
  Flash extends object = Record<string, unknown>,
> {
  /** Why the request's cookie was rejected; `undefined` when there was none or it was valid. */
  readonly invalidReason: ReasonCode | undefined;
  /** @internal */ readonly _context: SessionContext;
  /** @internal */ _envelope: Envelope;
  /** @internal */ _data: Record<string, unknown>;
  /** @internal */ _flash: Record<string, unknown>;
  /** @internal JSON of data and flash as loaded, to see whether anything changed. */
  _loadedJson: string | undefined;
  /** @internal login/regenerate/flash changed the session. */
  _dirty = false;
  /** @internal sealed with an older secret, another format or a legacy layout: write it anew. */
  _reseal = false;
  /** @internal */ _destroyed = false;
  /** @internal revocation could not be checked: neither write nor clear, unless the app changes identity. */
  _readOnly = false;
  /** @internal the token this session was loaded from or last committed as. */
  _token: string | undefined;
  /** @internal ids ended by this request. */
  readonly _ended: EndedSession[] = [];
  /**
   * @internal whether a client may hold the current id: it came in a cookie, was committed, or a
   * token names it. An id minted and replaced within one request needs no revocation write.
   */
  _idExposed: boolean;
  /** @internal a token names the current id (the token layer's hook, `TokenSource._exposeId`). */
  _exposeId(): void {
    this._idExposed = true;
  }
  /** @internal cookie names of this session's family that the request carried. */
  readonly _present: readonly string[];
  /** @internal bytes of cookie this session arrived in (0 when new): a session may keep that size. */
  _arrivedBytes = 0;
  /** @internal the id the registry holds an entry for (it may differ from `id` after `regenerate`). */
  _registeredId: string | undefined;
  /** @internal `login()` was called in this request: commit registers the new id. */
  _loggedIn = false;
  /** @internal the device label for a registry entry (`login({ label })`, else from the User-Agent). */
  _label: string | undefined;
  /** @internal the request's User-Agent, kept only to label a registry entry. */
  _userAgent: string | null = null;
  /** @internal the session id the store record belongs to (set at load, and after each store write). */
  _storeOwner: string | undefined;
  /** @internal the data as the store holds it (JSON text), to compute this request's patch. */
  _storeBase: string | undefined;
  /** @internal the record's expiry as the store holds it: with `_storeBase`, the record as read. */
  _storeExpiresAt: number | undefined;
  /** @internal the record's `version` as read (unknown after this request writes it). */
  _storeVersion: string | undefined;
  /** @internal `moveToStore()` was called: move the data to the store on commit. */
  _pinned = false;
  /** @internal why the session is read-only, for `SessionReadOnlyError`; undefined for an unavailable store. */
  _readOnlyWhy: string | undefined;
  #isNew: boolean;

  /** @internal use `sessions.load(request)`. */
  constructor(
    context: SessionContext,
    envelope: Envelope,
    options: { isNew: boolean; invalidReason?: ReasonCode; present: readonly string[]; loadedJson?: string },
  ) {
    this._context = context;
    this._envelope = envelope;
    this._data = envelope.data;
    this._flash = envelope.flash ?? {};
    this.#isNew = options.isNew;
    this._idExposed = !options.isNew;
    this.invalidReason = options.invalidReason;
    this._present = options.present;
    this._loadedJson = options.loadedJson;
  }

  /** @internal a fresh, anonymous envelope. */
  static _fresh(context: SessionContext): Envelope {
    return {
      id: newSessionId(),
      issuedAt: (context.issueTime ?? context.now)(),
      lifetime: context.maxAge,
      seen: 0,
      flags: context.persistent ? 0 : FLAG_BROWSER_SESSION,
      userId: null,
      authAt: null,
      dataVersion: context.dataVersion ?? 0,
      data: context.initialData?.() ?? {},
      store: undefined,
      flash: undefined,
    };
  }

  /** The session id: 128 random bits, base64url. Changes on `login` and `regenerate`. */
  get id(): string {
    return this._envelope.id;
  }

  /** True when no valid cookie came with the request (first visit, or a rejected cookie). */
  get isNew(): boolean {
    return this.#isNew;
  }

  /** The app's data. Mutate it freely; values must be plain JSON (checked on assignment and on commit). */
  get data(): Partial<Data> {
    return (this._destroyed ? FROZEN_EMPTY : this._data) as Partial<Data>;
  }

  set data(value: Partial<Data>) {
    this.#assertUsable("change");
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      throw new TypeError("sealed-session: session.data must be a plain object");
    }
    toJson(value);
    this._data = value as Record<string, unknown>;
  }

  /** The user bound by `login`, if any. */
  get userId(): string | undefined {
    return this._envelope.userId ?? undefined;
  }

  /** When this session id was issued (ms since the epoch). */
  get issuedAt(): number {
    return this._envelope.issuedAt;
  }

  /** Absolute expiry (ms since the epoch); refreshes never move it. */
  get expiresAt(): number {
    return this._envelope.issuedAt + Math.min(this._envelope.lifetime, this._context.maxAge) * 1000;
  }

  /** When the session dies of inactivity unless a request refreshes it (ms), or `undefined` without `idleTimeout`. */
  get idleExpiresAt(): number | undefined {
    const idle = this._context.idleTimeout;
    if (idle === undefined) return undefined;
    return Math.min(this.expiresAt, this._envelope.issuedAt + this._envelope.seen * 1000 + idle * 1000);
  }

  /**
   * Where the data lives: `"cookie"`, or `"store"` once it moved to the server-side store (or
   * `moveToStore()` asked for it). Moving is one-way.
   */
  get storedIn(): "cookie" | "store" {
    return this._envelope.store !== undefined || this._pinned ? "store" : "cookie";
  }

  /**
   * Keeps this session's data in the server-side store from now on (`store` option): for data that
   * concurrent requests change, such as a cart — each commit then sends only what it changed. The
   * session gets a new id on the commit that moves it, and the old id is revoked.
   */
  moveToStore(): void {
    this.#assertUsable("move to the store");
    this._pinned = true;
  }

  /** @internal a new id for the same session (its data moves to the store): the old id ends. */
  _rekey(): void {
    this.#end();
    this._envelope = { ...this._envelope, id: newSessionId() };
    this._idExposed = false;
  }

  /** False for a browser-session cookie (no Max-Age). */
  get persistent(): boolean {
    return (this._envelope.flags & FLAG_BROWSER_SESSION) === 0;
  }

  get isDestroyed(): boolean {
    return this._destroyed;
  }

  /**
   * True when the revocation store could not be asked (`revocation_unavailable`): the session is
   * anonymous for this response, and commit leaves the cookie alone so an outage logs nobody out.
   * Also true for a session whose data a newer `dataVersion` wrote (a rolling deploy): it loads
   * as it is, unvalidated, and commit leaves its cookie — changes to it are not saved.
   */
  get readOnly(): boolean {
    return this._readOnly;
  }

  /**
   * Binds a user after authentication. Issues a new id (binding without regenerating would allow
   * session fixation), restarts issued-at and the absolute lifetime, and keeps the data — unless
   * another user was bound: then data and flash start empty (see `keep`). Throws
   * `SessionReadOnlyError` on a read-only session.
   */
  login(userId: string, options: LoginOptions<Data> = {}): void {
    this.#assertUsable("log in with");
    this.#assertWritable("log in with");
    if (typeof userId !== "string" || userId.length === 0) {
      throw new TypeError("sealed-session: login(userId) needs a non-empty string");
    }
    const maxAge = options.maxAge ?? this._context.maxAge;
    if (!(Number.isInteger(maxAge) && maxAge > 0 && maxAge <= this._context.maxAge)) {
      throw new ConfigError(
        `login({ maxAge }) must be whole seconds from 1 to the manager's maxAge (${this._context.maxAge})`,
      );
    }
    const persistent = options.persistent ?? this.persistent;
    const previous = this._envelope.userId;
    if (previous !== null && previous !== userId) {
      this._data = pick(this._data, options.keep ?? false, this._context);
      this._flash = {};
    }
    if (options.label !== undefined && typeof options.label !== "string") {
      throw new TypeError("sealed-session: login({ label }) needs a string");
    }
    this.#end();
    const now = (this._context.issueTime ?? this._context.now)();
    this._envelope = {
      ...this._envelope,
      id: newSessionId(),
      issuedAt: now,
      lifetime: maxAge,
      seen: 0,
      // A new login is registered on commit: it is not yet known to any registry.
      flags: persistent ? 0 : FLAG_BROWSER_SESSION,
      userId,
      authAt: now,
    };
    this._idExposed = false;
    this._dirty = true;
    this._loggedIn = true;
    this._label = options.label;
  }

  /** Issues a new session id (e.g. after a privilege change). Lifetime and user stay. */
  regenerate(options: RegenerateOptions<Data> = {}): void {
    this.#assertUsable("regenerate");
    this.#assertWritable("regenerate");
    this.#end();
    this._data = pick(this._data, options.keep ?? false, this._context);
    this._envelope = { ...this._envelope, id: newSessionId() };
    this._idExposed = false;
    this._dirty = true;
  }

  /**
   * When the bound user last authenticated (ms since the epoch): at `login`, or at the latest
   * `reauthenticated()`. `undefined` without a user. Refreshes and token exchanges never move it.
   */
  get authAt(): number | undefined {
    if (this._envelope.userId === null || this._envelope.authAt === null) return undefined;
    return this._envelope.authAt;
  }

  /**
   * True when a user is bound and authenticated at most `seconds` ago: gate sensitive actions
   * ("confirm your password") on it. False for anonymous sessions.
   */
  isFresh(seconds: number): boolean {
    if (!(typeof seconds === "number" && seconds >= 0)) {
      throw new TypeError("sealed-session: isFresh(seconds) needs a number of seconds from 0");
    }
    const authAt = this.authAt;
    return authAt !== undefined && this._context.now() - authAt <= seconds * 1000;
  }

  /**
   * Records a fresh authentication of the bound user (they just confirmed their password, passed a
   * second factor): issues a new session id — the old one is revoked on commit, as for `regenerate`
   * — keeps data, user and lifetime, and sets `authAt` to now. Throws `TypeError` when no user is
   * bound (use `login`), `SessionReadOnlyError` on a read-only session.
   */
  reauthenticated(): void {
    this.#assertUsable("reauthenticate");
    this.#assertWritable("reauthenticate");
    if (this._envelope.userId === null) {
      throw new TypeError("sealed-session: reauthenticated() needs a logged-in session; call login(userId)");
    }
    this.#end();
    this._envelope = { ...this._envelope, id: newSessionId(), authAt: this._context.now() };
    this._idExposed = false;
    this._dirty = true;
  }

  /** Ends the session: commit clears its cookie, and nothing can save it again in this response. */
  destroy(): void {
    if (this._destroyed) return;
    this.#end();
    this._destroyed = true;
    this._readOnly = false;
    this._data = {};
    this._flash = {};
  }

  /**
   * `flash(key, value)` stores a value for a later request; `flash(key)` reads it once and removes it.
   */
  flash<K extends keyof Flash & string>(key: K, value: Flash[K]): void;
  flash<K extends keyof Flash & string>(key: K): Flash[K] | undefined;
  flash<K extends keyof Flash & string>(key: K, ...value: [Flash[K]] | []): Flash[K] | undefined {
    if (value.length === 0) {
      // Own keys only: `flash("toString")` must not find Object.prototype's.
      if (!Object.hasOwn(this._flash, key)) return undefined;
      const found = this._flash[key] as Flash[K];
      delete this._flash[key];
      this._dirty = true;
      return found;
    }
    this.#assertUsable("flash into");
    toJson(value[0], `flash.${key}`);
    // defineProperty, so a key like "__proto__" is stored as data rather than setting a prototype.
    Object.defineProperty(this._flash, key, {
      value: value[0],
      enumerable: true,
      writable: true,
      configurable: true,
    });
    this._dirty = true;
    return undefined;
  }

  #end(): void {
    if (this._idExposed) {
      this._ended.push({ id: this._envelope.id, userId: this._envelope.userId, expiresAt: this.expiresAt });
    }
  }

  #assertUsable(action: string): void {
    if (this._destroyed) throw new SessionDestroyedError(action);
  }

  /** A new id on a read-only session would replace a cookie we could not check: refuse. */
  #assertWritable(action: string): void {
    if (this._readOnly) throw new SessionReadOnlyError(action, this._readOnlyWhy);
  }
}

/** The data a `keep` option keeps: all, none, or the listed own keys (over the initial data). */
function pick(
  data: Record<string, unknown>,
  keep: boolean | readonly string[],
  context: SessionContext,
): Record<string, unknown> {
  if (keep === true) return data;
  const kept: Record<string, unknown> = context.initialData?.() ?? {};
  if (keep === false) return kept;
  for (const key of keep) if (Object.hasOwn(data, key)) kept[key] = data[key];
  return kept;
}
