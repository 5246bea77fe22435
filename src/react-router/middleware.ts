/**
 * The route-middleware form (React Router 8 middleware and context): a middleware loads the session
 * into the request's context and commits it onto whatever Response `next()` returns — documents,
 * `.data` requests, resource routes, redirects and error pages alike — through the same commit path
 * as Hono and Workers (`commitToResponse`): several cookies when the session is large, and
 * `Cache-Control`, neither of which a `SessionStorage` can return.
 */
import type { MiddlewareFunction, RouterContext } from "react-router";
import type { Sessions, SessionsOptions } from "../session/manager.ts";
import type { Session } from "../session/session.ts";
import { lazyManager } from "../workers/manager-cache.ts";
import { commitToResponse } from "../workers/respond.ts";

/** Options for {@link createSessionMiddleware}: `SessionsOptions`, or a function called on first use. */
export type SessionMiddlewareOptions = SessionsOptions | (() => SessionsOptions);

export interface SessionMiddleware<
  Data extends object = Record<string, unknown>,
  Flash extends object = Record<string, unknown>,
> {
  /** Put it first in a route's `middleware` export: `root.tsx` for every route, a layout for its children. */
  readonly middleware: MiddlewareFunction<Response>;
  /** The request's session in loaders, actions and later middleware: `context.get(sessions.context)`. */
  readonly context: RouterContext<Session<Data, Flash>>;
  /** The core manager: `revokeUser`, `estimateSize`, `listSessions`, tokens. */
  readonly manager: Sessions<Data, Flash>;
}

/**
 * Sessions as route middleware. Create it once, in a server module, and export its `middleware`
 * from the route whose children need the session:
 *
 *   export const sessions = createSessionMiddleware<Data, Flash>({ secrets: process.env.SESSION_SECRETS! });
 *   // app/root.tsx
 *   export const middleware: Route.MiddlewareFunction[] = [sessions.middleware];
 *   // a loader or action
 *   const session = context.get(sessions.context);
 *
 * Fixed options are checked now; a function is called on first use. Mounted twice on one request
 * (a layout and its child), the second does nothing. `CookieTooLargeError` at commit goes to React
 * Router's error handling (a server-side bug); a login the registry could not record becomes `503
 * {"error": "login_unavailable"}`.
 */
export function createSessionMiddleware<
  Data extends object = Record<string, unknown>,
  Flash extends object = Record<string, unknown>,
>(options: SessionMiddlewareOptions): SessionMiddleware<Data, Flash> {
  const manager = lazyManager<Data, Flash>(options);
  // React Router's createContext() makes a plain object that keys the request's context map; one of
  // our own keeps React Router out of this module at run time.
  const context: RouterContext<Session<Data, Flash>> = {};
  /** The contexts (one per request) this middleware has loaded a session into. */
  const loaded = new WeakSet<object>();

  const middleware: MiddlewareFunction<Response> = async ({ request, context: provider }, next) => {
    if (loaded.has(provider)) return next();
    loaded.add(provider);
    const sessions = manager();
    const session = await sessions.load(request);
    provider.set(context, session);
    // React Router turns whatever the route throws (a redirect, an error) into the Response next() returns.
    return commitToResponse(sessions, session, await next());
  };

  return {
    middleware,
    context,
    get manager() {
      return manager();
    },
  };
}
