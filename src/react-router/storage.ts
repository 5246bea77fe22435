/**
 * React Router's `SessionStorage` (getSession / commitSession / destroySession) over this library's
 * `load` and `commit`. React Router's `Session` is a view of the core `Session`: every call maps onto
 * the core's data and flash, so there is one implementation of each. `commitSession` returns one
 * `Set-Cookie` string, so a session here is always one cookie: the manager reads and writes one
 * (`cookie.maxChunks: 1`), and larger data goes to the server-side store (`store` option).
 */
import type {
  CookieParseOptions,
  CookieSerializeOptions,
  Session as RouterSession,
  SessionStorage,
} from "react-router";
import { COOKIE_BYTES } from "../cookie/options.ts";
import { ConfigError, CookieTooLargeError, SessionError } from "../errors.ts";
import type { Sessions, SessionsOptions } from "../session/manager.ts";
import type { LoginOptions, RegenerateOptions, Session } from "../session/session.ts";
import { lazyManager } from "../workers/manager-cache.ts";

/**
 * Options for {@link createSealedSessionStorage}: `SessionsOptions`, or a function that returns
 * them, called on first use (for secrets a build step that imports the module does not have).
 */
export type SealedSessionStorageOptions = SessionsOptions | (() => SessionsOptions);

/**
 * A React Router `SessionStorage`, plus what its interface has no notion of: logging in, a new
 * session id, and the core session behind a React Router one.
 */
export interface SealedSessionStorage<
  Data extends object = Record<string, unknown>,
  Flash extends object = Data,
> extends SessionStorage<Data, Flash> {
  /**
   * Binds a user after authentication: a new session id (no fixation), the old one revoked with a
   * `revocation` store; data is kept unless another user was bound (see `LoginOptions.keep`).
   * `{ maxAge, persistent: false }` is "remember me" / a browser-session cookie.
   */
  login(session: RouterSession<Data, Flash>, userId: string, options?: LoginOptions<Data>): void;
  /** A new session id for the same user (after a privilege change); data cleared unless `keep`. */
  regenerate(session: RouterSession<Data, Flash>, options?: RegenerateOptions<Data>): void;
  /**
   * The core `Session` behind a session of this storage: `userId`, `invalidReason`, `storedIn`,
   * `expiresAt`, `moveToStore()`. Throws `TypeError` for a session this storage did not make.
   */
  sessionOf(session: RouterSession<Data, Flash>): Session<Data, Flash>;
  /** The core manager: `revokeUser`, `estimateSize`, `listSessions`, tokens. */
  readonly manager: Sessions<Data, Flash>;
}

/**
 * Thrown by `commitSession` when the session needs more than the one cookie a `Set-Cookie` string
 * can carry: `code` is `too_large`, and `bytes`/`limit` say by how much.
 */
export class SingleCookieError extends CookieTooLargeError {
  constructor(bytes: number, limit: number, cause: unknown) {
    super(bytes, limit);
    this.message =
      `sealed-session: the session needs ${bytes} bytes of cookie, but commitSession returns one Set-Cookie, ` +
      `which holds at most ${limit}. Give createSealedSessionStorage a \`store\` (memoryStore() from ` +
      "sealed-session/store, or a shared one) so a session that outgrows the cookie moves to the server, " +
      "keep less in the session, or use createSessionMiddleware, which may write several cookies.";
    this.cause = cause;
  }
}

/**
 * A `SessionStorage` backed by sealed sessions: swap it in for `createCookieSessionStorage`.
 *
 *   export const storage = createSealedSessionStorage<Data, Flash>({ secrets: process.env.SESSION_SECRETS! });
 *   export const { getSession, commitSession, destroySession } = storage;
 *
 * Fixed options are checked now, so a misconfiguration stops the server at start-up; a function is
 * called on first use. Rotation (`secrets`, newest first), revocation (`revocation`), the server-side
 * store (`store`) and every other option are the core's. `cookie.maxChunks` is 1 and `cookie.maxBytes`
 * at most 4096: `commitSession` returns one `Set-Cookie`.
 */
export function createSealedSessionStorage<
  Data extends object = Record<string, unknown>,
  Flash extends object = Data,
>(options: SealedSessionStorageOptions): SealedSessionStorage<Data, Flash> {
  const manager = lazyManager<Data, Flash>(options, oneCookie);
  /** The core session behind each React Router session this storage made. */
  const cores = new WeakMap<object, Session<Data, Flash>>();

  const sessionOf = (session: RouterSession<Data, Flash>): Session<Data, Flash> => {
    const core = typeof session === "object" && session !== null ? cores.get(session) : undefined;
    if (core === undefined) {
      throw new TypeError(
        "sealed-session/react-router: this session did not come from this storage's getSession " +
          "(one from createSession() or another storage cannot be committed here)",
      );
    }
    return core;
  };

  /** Commits into scratch headers and returns the one `Set-Cookie` line, or "" when nothing is written. */
  const commit = async (session: Session<Data, Flash>): Promise<string> => {
    const sessions = manager();
    const scratch = new Headers();
    try {
      await sessions.commit(session, scratch);
    } catch (error) {
      if (error instanceof CookieTooLargeError) throw new SingleCookieError(error.bytes, error.limit, error);
      throw error;
    }
    const lines = scratch.getSetCookie();
    if (lines.length > 1) {
      // Only clearing stale chunks adds lines: a session written with cookie.maxBytes above 4096 by
      // another part of the site, under the same cookie name.
      throw new SessionError(
        "too_large",
        `sealed-session: the request carries chunks of a larger session named ${sessions.cookieName}.0 …, ` +
          "which commitSession cannot clear in its one Set-Cookie. Another part of the site writes sessions " +
          "under this cookie name that span several cookies: give this storage its own `cookie.name`, or use " +
          "createSessionMiddleware, which may write several cookies.",
      );
    }
    return lines[0] ?? "";
  };

  return {
    get manager() {
      return manager();
    },
    async getSession(cookieHeader, parseOptions) {
      refuse("getSession", parseOptions, "the cookie is read verbatim");
      const headers = new Headers();
      if (cookieHeader) headers.set("cookie", cookieHeader);
      const session = await manager().load(headers);
      const routerSession = view(session);
      cores.set(routerSession, session);
      return routerSession;
    },
    // async, so that a refusal rejects the promise as React Router's own storages do.
    async commitSession(session, serializeOptions) {
      refuse("commitSession", serializeOptions, ATTRIBUTES);
      return commit(sessionOf(session));
    },
    async destroySession(session, serializeOptions) {
      refuse("destroySession", serializeOptions, ATTRIBUTES);
      const core = sessionOf(session);
      core.destroy();
      return commit(core);
    },
    login: (session, userId, loginOptions) => sessionOf(session).login(userId, loginOptions),
    regenerate: (session, regenerateOptions) => sessionOf(session).regenerate(regenerateOptions),
    sessionOf,
  };
}

const ATTRIBUTES =
  "the cookie's attributes are the storage's `cookie` options, its lifetime `maxAge`/`idleTimeout`; " +
  "for a longer or a browser-session login, use storage.login(session, userId, { maxAge, persistent })";

/** Per-call cookie options would be silently lost: say where each setting lives instead. */
function refuse(
  method: string,
  options: CookieParseOptions | CookieSerializeOptions | undefined,
  instead: string,
): void {
  if (options === undefined || options === null) return;
  const given = Object.keys(options).filter((key) => (options as Record<string, unknown>)[key] !== undefined);
  if (given.length > 0) {
    throw new TypeError(
      `sealed-session/react-router: ${method}() takes no cookie options (${given.join(", ")}): ${instead}`,
    );
  }
}

/** The manager options with one cookie per session; a setting that allows more is refused by name. */
function oneCookie(options: SessionsOptions): SessionsOptions {
  // Anything but an object: createSessions says what is wrong.
  if (typeof options !== "object" || options === null) return options;
  const cookie = options.cookie ?? {};
  const why =
    "React Router's commitSession returns one Set-Cookie, so a SessionStorage session is one cookie; " +
    "keep large data in the server-side store (`store`), or use createSessionMiddleware, which may write several";
  if (cookie.maxChunks !== undefined && cookie.maxChunks !== 1) {
    throw new ConfigError(`\`cookie.maxChunks\` must be 1 (or left out) here: ${why}`);
  }
  if (typeof cookie.maxBytes === "number" && cookie.maxBytes > COOKIE_BYTES) {
    throw new ConfigError(`\`cookie.maxBytes\` must be at most ${COOKIE_BYTES} here: ${why}`);
  }
  return { ...options, cookie: { ...cookie, maxChunks: 1 } };
}

/** React Router's name for a flash key in `data`. */
const flashKey = (name: string) => `__flash_${name}__`;

/**
 * React Router's `Session` over a core session. `get` reads data first, then a flash value (which
 * removes it), as React Router's own sessions do; `data` is a snapshot with flash values under
 * `__flash_<name>__`. Writes replace the core's `data` object, so a value is checked as JSON at once
 * and a key such as `__proto__` stays a plain key.
 */
function view<Data extends object, Flash extends object>(
  session: Session<Data, Flash>,
): RouterSession<Data, Flash> {
  const data = () => session.data as Record<string, unknown>;
  // Read without consuming: the core's flash(key) removes what it returns.
  const flashes = () => session._flash;
  const routerSession = {
    get id() {
      return session.id;
    },
    get data() {
      const snapshot: Record<string, unknown> = { ...data() };
      for (const [name, value] of Object.entries(flashes())) snapshot[flashKey(name)] = value;
      return snapshot;
    },
    has: (name: string) => Object.hasOwn(data(), name) || Object.hasOwn(flashes(), name),
    get(name: string) {
      if (Object.hasOwn(data(), name)) return data()[name];
      return session.flash(name as keyof Flash & string);
    },
    set(name: string, value: unknown) {
      session.data = { ...data(), [name]: value } as Partial<Data>;
    },
    flash(name: string, value: unknown) {
      session.flash(name as keyof Flash & string, value as Flash[keyof Flash & string]);
    },
    unset(name: string) {
      if (!Object.hasOwn(data(), name)) return;
      const { [name]: _removed, ...rest } = data();
      session.data = rest as Partial<Data>;
    },
  };
  return routerSession as unknown as RouterSession<Data, Flash>;
}
