/**
 * What `req.session` adds to the library's `Session` for Express: express-session's method names
 * (`regenerate`, `destroy`, `save`, `reload`, `touch`), with a callback or as promises, each a few
 * lines over the Session's own methods — and, once the response has started, the lock that makes
 * every later change throw `SessionCommittedError` instead of being lost.
 */
import { SessionCommittedError, SessionDestroyedError } from "../errors.ts";
import { toJson } from "../lib/json.ts";
import type { RegenerateOptions, Session } from "../session/session.ts";

/** express-session's callback: called with an error, or with nothing when it worked. */
export type SessionCallback = (error?: unknown) => void;

/**
 * express-session's `req.session` methods, over this library's `Session`. Each takes a callback,
 * or returns a promise without one. The work happens at once: `regenerate` and `destroy` are the
 * Session's own, and the cookie is written once, when the response starts.
 */
export interface ExpressSessionMethods<Data extends object> {
  /** A new session id, the data cleared (`{ keep }` keeps it); the user stays logged in. */
  regenerate(callback: SessionCallback): void;
  regenerate(options: RegenerateOptions<Data>, callback: SessionCallback): void;
  regenerate(options?: RegenerateOptions<Data>): Promise<void>;
  /** Ends the session: its cookie is cleared (and, with a revocation store or registry, the id revoked). */
  destroy(callback: SessionCallback): void;
  destroy(): Promise<void>;
  /**
   * Nothing to write early: the cookie is written before the response leaves, whatever sends it.
   * Checks that the data can be stored (a `DataError` now rather than at the response).
   */
  save(callback: SessionCallback): void;
  save(): Promise<void>;
  /** Reads the request's session again, dropping this request's changes; `req.session` is replaced. */
  reload(callback: SessionCallback): void;
  reload(): Promise<void>;
  /**
   * Refreshes the idle deadline in this response even when `refreshAfter` has not passed (with
   * `idleTimeout`); the absolute expiry never moves. Without `idleTimeout`, nothing to do.
   */
  touch(callback: SessionCallback): void;
  touch(): Promise<void>;
}

/** What a request's session methods need from the middleware. */
export interface SessionContext {
  /** Loads the request's session again (`reload`). */
  readonly load: () => Promise<Session<object, object>>;
  /** Puts a session on the request (and gives it these methods). */
  readonly attach: (session: Session<object, object>) => void;
  /** The response has started: the session can no longer change. */
  committed: boolean;
}

const CONTEXT: unique symbol = Symbol("sealed-session/express context");
/** On the prototypes made here: the Session prototype they extend, for the Session's own methods. */
const BASE: unique symbol = Symbol("sealed-session/express base");
const VIEW: unique symbol = Symbol("sealed-session/express locked data");

type CoreMethods = Record<"regenerate" | "destroy", (...args: unknown[]) => void>;
type Extended = Session<object, object> & {
  [CONTEXT]: SessionContext;
  [BASE]: CoreMethods & object;
  [VIEW]?: object;
};

/** Runs a synchronous step the express-session way: callback when given, else a settled promise. */
function settle(step: () => void, callback: SessionCallback | undefined): Promise<void> | undefined {
  if (callback === undefined) {
    step(); // throws at the call, like the Session's own methods
    return Promise.resolve();
  }
  try {
    step();
  } catch (error) {
    callback(error);
    return undefined;
  }
  callback();
  return undefined;
}

function isCallback(value: unknown): value is SessionCallback {
  return typeof value === "function";
}

type Method = (this: Extended, ...args: unknown[]) => Promise<void> | undefined;

const methods: Record<keyof ExpressSessionMethods<object>, Method> = {
  regenerate(first, second) {
    const callback = isCallback(first) ? first : isCallback(second) ? second : undefined;
    const options = isCallback(first) ? undefined : (first as RegenerateOptions<object> | undefined);
    return settle(() => this[BASE].regenerate.call(this, options), callback);
  },
  destroy(callback) {
    return settle(() => this[BASE].destroy.call(this), isCallback(callback) ? callback : undefined);
  },
  save(callback) {
    return settle(
      () => {
        if (!this.isDestroyed) toJson(this._data);
      },
      isCallback(callback) ? callback : undefined,
    );
  },
  touch(callback) {
    return settle(
      () => {
        // A write in this response: commit then stamps the refresh time (the idle deadline moves).
        if (!this.isDestroyed && this.idleExpiresAt !== undefined) this._reseal = true;
      },
      isCallback(callback) ? callback : undefined,
    );
  },
  reload(callback) {
    const context = this[CONTEXT];
    const reloading = (async () => {
      // express-session cannot reload a destroyed session either ("failed to load session").
      if (this.isDestroyed) throw new SessionDestroyedError("reload");
      const fresh = await context.load();
      // The response started meanwhile: this request's session is already written.
      if (context.committed) throw new SessionCommittedError("reload");
      context.attach(fresh);
    })();
    if (!isCallback(callback)) return reloading;
    reloading.then(() => callback(), callback);
    return undefined;
  },
};

const hidden = (value: unknown): PropertyDescriptor => ({
  value,
  writable: true,
  configurable: true,
  enumerable: false,
});

/** A view of the session's data that reads as usual and throws on every change, at any depth. */
function lockedView<T extends object>(target: T, views: WeakMap<object, object>): T {
  const known = views.get(target);
  if (known) return known as T;
  const refuse = (): never => {
    throw new SessionCommittedError("change");
  };
  const view = new Proxy(target, {
    get(object, key) {
      const value: unknown = Reflect.get(object, key);
      if (typeof value !== "object" || value === null) return value;
      // A frozen property must be returned as it is (a Proxy invariant).
      const descriptor = Reflect.getOwnPropertyDescriptor(object, key);
      if (descriptor && !descriptor.configurable && !descriptor.writable) return value;
      return lockedView(value, views);
    },
    set: refuse,
    deleteProperty: refuse,
    defineProperty: refuse,
    setPrototypeOf: refuse,
  });
  views.set(target, view);
  return view;
}

function refuser(action: string) {
  return function refuse(this: Session<object, object>, ...args: unknown[]) {
    const error = new SessionCommittedError(action);
    const callback = args.find(isCallback);
    if (callback === undefined) throw error;
    callback(error);
  };
}

/**
 * The two prototypes a request's session goes through, made once per Session prototype: one
 * with express-session's methods, and one, after the response started, where changes throw.
 * Swapping a prototype costs far less per request than defining properties on each session.
 */
interface Prototypes {
  readonly open: object;
  readonly locked: object;
}
const prototypes = new WeakMap<object, Prototypes>();

function prototypesOf(session: Session<object, object>): Prototypes {
  const base = Object.getPrototypeOf(session) as object;
  let found = prototypes.get(base);
  if (found === undefined) {
    const open: object = Object.create(base, {
      ...Object.fromEntries(Object.entries(methods).map(([name, method]) => [name, hidden(method)])),
      [BASE]: hidden(base),
    });
    const baseData = Object.getOwnPropertyDescriptor(base, "data")?.get as (this: object) => object;
    const locked: object = Object.create(open, {
      data: {
        configurable: true,
        enumerable: false,
        get(this: Extended) {
          this[VIEW] ??= lockedView(baseData.call(this), new WeakMap());
          return this[VIEW];
        },
        set() {
          throw new SessionCommittedError("change");
        },
      },
      login: hidden(refuser("log in with")),
      regenerate: hidden(refuser("regenerate")),
      destroy: hidden(refuser("destroy")),
      // Reading a flash value removes it, which would need another write.
      flash: hidden(refuser("use flash values of")),
      save: hidden(refuser("save")),
      reload: hidden(refuser("reload")),
      touch: hidden(refuser("touch")),
    });
    found = { open, locked };
    prototypes.set(base, found);
    // Either prototype leads to the same pair.
    prototypes.set(open, found);
    prototypes.set(locked, found);
  }
  return found;
}

/** Gives a loaded session express-session's methods, with this request's context. */
export function addMethods(session: Session<object, object>, context: SessionContext): void {
  Object.setPrototypeOf(session, prototypesOf(session).open);
  (session as Extended)[CONTEXT] = context;
}

/**
 * From now on (the response has started; the commit took its snapshot), reading the session works
 * and every change throws `SessionCommittedError`: through `data` at any depth, `login`,
 * `regenerate`, `destroy`, `flash`, and the express-session methods.
 */
export function lockSession(session: Session<object, object>): void {
  const context = (session as Partial<Extended>)[CONTEXT];
  if (context) context.committed = true;
  Object.setPrototypeOf(session, prototypesOf(session).locked);
}
