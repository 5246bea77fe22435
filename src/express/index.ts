/**
 * Express middleware: `app.use(sessions(options))` puts the library's `Session` on `req.session`
 * and writes its cookie once, before the response's headers leave, whatever sends the response.
 * Express is only a type here: nothing of it is imported at run time (Express 5, and 4).
 */
import type { Request, RequestHandler } from "express";
import { LoginUnavailableError } from "../errors.ts";
import { CACHE_HEADERS } from "../session/cache-control.ts";
import type { Sessions, SessionsOptions } from "../session/manager.ts";
import type { Session } from "../session/session.ts";
import { ManagerCache, resolveOptions } from "../workers/manager-cache.ts";
import { appendHeader, type HeldResponse, holdResponse } from "./hold.ts";
import { type ExpressSessionMigration, type LegacyMigration, legacyMigration } from "./legacy.ts";
import { addMethods, type ExpressSessionMethods, lockSession, type SessionContext } from "./methods.ts";

/**
 * Your session data's type, by declaration merging (as with express-session):
 *
 *   declare module "sealed-session/express" {
 *     interface SessionData { views: number; cart: string[] }
 *   }
 *
 * Left empty, `req.session.data` is a `Record<string, unknown>`.
 */
// biome-ignore lint/suspicious/noEmptyInterface: filled by the app's declaration merging
export interface SessionData {}

/** Your flash values' type, by declaration merging like {@link SessionData}. */
// biome-ignore lint/suspicious/noEmptyInterface: filled by the app's declaration merging
export interface SessionFlash {}

/** {@link SessionData} as the app declared it, or `Record<string, unknown>` when it did not. */
export type ExpressSessionData = keyof SessionData extends never ? Record<string, unknown> : SessionData;
/** {@link SessionFlash} as the app declared it, or `Record<string, unknown>`. */
export type ExpressSessionFlash = keyof SessionFlash extends never ? Record<string, unknown> : SessionFlash;

/**
 * `req.session`: the library's `Session` (`data`, `login`, `regenerate`, `destroy`, `flash`, …)
 * with express-session's methods on top, callback or promise (`regenerate`, `destroy`, `save`,
 * `reload`, `touch`).
 */
export type ExpressSession<
  Data extends object = ExpressSessionData,
  Flash extends object = ExpressSessionFlash,
> = ExpressSessionMethods<Data> & Session<Data, Flash>;

declare global {
  namespace Express {
    interface Request {
      /** This request's session (sealed-session). Changing it after the response started throws. */
      session: ExpressSession;
      /** The manager that loaded it: `revokeUser`, `listSessions`, `estimateSize`, `issueToken`, … */
      sessions: Sessions<ExpressSessionData, ExpressSessionFlash>;
    }
  }
}

/**
 * Options for {@link sessions}: an object, or a function of the request (per tenant, say). The
 * function runs on every request and should be cheap: equal results share one manager, so keys
 * are derived once. Functions and stores in the result are compared by identity — create them once.
 */
export type ExpressSessionsOptions = SessionsOptions | ((req: Request) => SessionsOptions);

/** What the middleware adds beside the session options. */
export interface ExpressMiddlewareOptions {
  /** Take over express-session + connect-redis users without logging them out (docs/express.md). */
  readonly migrate?: ExpressSessionMigration<ExpressSessionData>;
}

/**
 * Loads the session before the next handler and commits it once, when the response starts:
 * `writeHead`, `write`, `end` and `flushHeaders` are held until the cookie is on the response, so
 * `res.json`, `res.send`, `res.redirect`, `res.sendFile`, `res.download`, `pipe()` and error
 * handlers all carry it. A commit that fails (`CookieTooLargeError`, `DataError`) goes to Express's
 * error handling in place of the response; a login the registry could not record is answered
 * `503 {"error": "login_unavailable"}`. Mounted twice, the second does nothing.
 */
export function sessions(
  options: ExpressSessionsOptions,
  extra: ExpressMiddlewareOptions = {},
): RequestHandler {
  const cache = new ManagerCache<ExpressSessionData, ExpressSessionFlash>();
  // Fixed options are checked now, so a misconfiguration stops the app at start-up.
  if (typeof options !== "function") cache.get(options);
  const migration = extra.migrate === undefined ? undefined : legacyMigration(extra.migrate);

  return function sealedSessions(req, res, next) {
    // Mounted twice (on the app and a router)? The first loads and commits; a second would load
    // another session and write a second cookie.
    if ((req as { session?: unknown }).session !== undefined) {
      next();
      return;
    }
    start(req, res as unknown as HeldResponse, next, cache, options, migration).then(
      () => next(),
      (error: unknown) => next(error),
    );
  };
}

async function start(
  req: Request,
  res: HeldResponse,
  next: (error?: unknown) => void,
  cache: ManagerCache<ExpressSessionData, ExpressSessionFlash>,
  options: ExpressSessionsOptions,
  migration: LegacyMigration | undefined,
): Promise<void> {
  const manager = cache.get(resolveOptions(options, req, "check what it reads from the request"));
  const headers = requestHeaders(req);
  const loaded = await manager.load(headers);
  // Set-Cookie values that clear a legacy cookie, added when the response commits.
  const legacy = migration ? await migration.migrate(loaded, req.headers.cookie) : [];
  const context: SessionContext = {
    load: () => manager.load(headers),
    attach(session) {
      addMethods(session, context);
      req.session = session as ExpressSession;
    },
    committed: false,
  };
  context.attach(loaded);
  req.sessions = manager;

  holdResponse(res, {
    async commit() {
      const session = req.session as Session<ExpressSessionData, ExpressSessionFlash>;
      // Commit into scratch headers holding the app's caching headers, then copy what changed.
      const scratch = new Headers();
      for (const name of CACHE_HEADERS) {
        const value = headerText(res.getHeader(name));
        if (value !== undefined) scratch.set(name, value);
      }
      // Its synchronous part takes the snapshot (data serialized): from here on, changes would be lost.
      const committing = manager.commit(session, scratch);
      lockSession(session);
      await committing;
      const cookies = scratch.getSetCookie();
      if (cookies.length > 0 || legacy.length > 0) appendHeader(res, "set-cookie", [...cookies, ...legacy]);
      for (const name of CACHE_HEADERS) {
        const value = scratch.get(name);
        const current = headerText(res.getHeader(name));
        if (value === null) {
          if (current !== undefined) res.removeHeader(name);
        } else if (value !== current) res.setHeader(name, value);
      }
    },
    fail(error) {
      if (error instanceof LoginUnavailableError) {
        // The registry could not record a login: it did not happen. Say so instead of the handler's answer.
        loginUnavailable(res);
        return;
      }
      // As express-session does when its store fails: on to the error handlers, whose answer
      // replaces the handler's (nothing of it was sent).
      next(error);
    },
  });
}

/**
 * The request headers `load` reads — the cookie, and the User-Agent for a registry's device label
 * — as Web `Headers`. Only those: copying every header costs more than the rest of a read.
 */
const LOAD_HEADERS = ["cookie", "user-agent"] as const;
function requestHeaders(req: Request): Headers {
  const headers = new Headers();
  for (const name of LOAD_HEADERS) {
    const value = req.headers[name];
    if (typeof value === "string") headers.set(name, value);
  }
  return headers;
}

function headerText(value: number | string | readonly string[] | undefined): string | undefined {
  if (value === undefined) return undefined;
  return typeof value === "object" ? value.join(", ") : String(value);
}

function loginUnavailable(res: HeldResponse): void {
  const body = '{"error":"login_unavailable"}';
  (res as unknown as { statusCode: number }).statusCode = 503;
  res.setHeader("content-type", "application/json");
  res.setHeader("content-length", String(body.length));
  res.setHeader("cache-control", "private, no-store");
  res.setHeader("retry-after", "5");
  res.end(body);
}

export { SessionCommittedError } from "../errors.ts";
export type {
  ExpressSessionMigration,
  LegacyErrorEvent,
  LegacyMapping,
  LegacyRedisClient,
  LegacySessionRecord,
} from "./legacy.ts";
export type { ExpressSessionMethods, SessionCallback } from "./methods.ts";
export type { Session, Sessions, SessionsOptions };
