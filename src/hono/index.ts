/**
 * Hono middleware: `app.use(sessions<Data>(options))` puts a typed session on `c.var.session`
 * and writes its cookie once, after the handler, only when something changed.
 */
import type { Context, MiddlewareHandler } from "hono";
import { createMiddleware } from "hono/factory";
import type { WaitUntil } from "../revocation/policy.ts";
import type { Sessions, SessionsOptions } from "../session/manager.ts";
import type { Session } from "../session/session.ts";
import { ManagerCache, resolveOptions } from "../workers/manager-cache.ts";
import { commitToResponse } from "../workers/respond.ts";

/**
 * The Hono `Env` the middleware adds: `c.var.session`, and `c.var.sessions`, the manager that
 * loaded it (for `revokeUser` and `estimateSize`). Combine it with your own, e.g.
 * `new Hono<{ Bindings: Bindings } & SessionEnv<Data>>()`.
 */
export type SessionEnv<
  Data extends object = Record<string, unknown>,
  Flash extends object = Record<string, unknown>,
> = {
  Variables: { session: Session<Data, Flash>; sessions: Sessions<Data, Flash> };
};

/**
 * Options for {@link sessions}: an object, or a function of the request's context for options
 * that live in `c.env` on Workers (secrets, KV bindings). The function runs on every request and
 * should be cheap: equal results share one manager, so keys are derived once. Functions and stores
 * in the result are compared by identity — create them at module scope or once per `c.env`.
 */
export type HonoSessionsOptions = SessionsOptions | ((c: Context) => SessionsOptions);

/**
 * Loads the session before the handler and commits it once after, on whatever response the app
 * produced: `c.json`, `c.redirect`, streams, thrown `HTTPException`s and `app.onError` responses,
 * hand-built `Response`s (immutable headers too). A `CookieTooLargeError` at commit, or a
 * `ConfigError` from an options function, is thrown on to `app.onError`: both are server-side bugs.
 */
export function sessions<
  Data extends object = Record<string, unknown>,
  Flash extends object = Record<string, unknown>,
>(options: HonoSessionsOptions): MiddlewareHandler<SessionEnv<Data, Flash>> {
  const cache = new ManagerCache<Data, Flash>();
  // Fixed options are validated now, so a misconfiguration stops the app at start-up.
  if (typeof options !== "function") cache.get(options);

  return createMiddleware<SessionEnv<Data, Flash>>(async (c, next) => {
    // Mounted twice (on an app and again on a sub-app)? The outer one loads and commits; a second
    // load would put a second session on the context and a second Set-Cookie on the response.
    if (c.get("session") !== undefined) return next();
    const manager = cache.get(
      resolveOptions(options, c, "check what it reads from c.env (undefined under app.request without env)"),
    );
    const session = await manager.load(c.req.raw);
    c.set("session", session);
    c.set("sessions", manager);
    await next();
    const response = c.res;
    const committed = await commitToResponse(manager, session, response, { waitUntil: waitUntilOf(c) });
    if (committed !== response) {
      // Assigning c.res merges the old response's headers into the new one, Set-Cookie included,
      // which would drop ours: unset it first.
      c.res = undefined;
      c.res = committed;
    }
  });
}

/** `ctx.waitUntil` on Workers (a failed revocation write is retried there); none under Node or `app.request`. */
function waitUntilOf(c: Context): WaitUntil | undefined {
  try {
    const ctx = c.executionCtx;
    return ctx.waitUntil.bind(ctx);
  } catch {
    return undefined; // Hono throws when the runtime gave no ExecutionContext.
  }
}

// CSRF tokens for forms, and step-up freshness (see docs/safe-flows.md).
export { csrfProtection, type HonoCsrfOptions, requireFreshAuth } from "./csrf.ts";
// Bearer tokens (see docs/tokens.md).
export { bearerAuth, jwksRoute, type TokenEnv } from "./jwks.ts";
// Refresh tokens (see docs/refresh-tokens.md).
export { type RefreshRouteOptions, refreshRoute } from "./refresh.ts";
export type { Session, Sessions, SessionsOptions };
