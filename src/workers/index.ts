/**
 * Sessions for a plain Workers `fetch` handler:
 *
 *   export default withSessions(options, async (request, env, ctx, session) => Response);
 */
import type { Sessions, SessionsOptions } from "../session/manager.ts";
import type { Session } from "../session/session.ts";
import { ManagerCache, resolveOptions } from "./manager-cache.ts";
import { commitToResponse } from "./respond.ts";

declare global {
  // Merges with @cloudflare/workers-types and `wrangler types`, so `env` is typed by default.
  namespace Cloudflare {
    interface Env {}
  }
}

/** What a Worker's `fetch` receives as `ctx`, reduced to what any ExecutionContext has. */
export interface WorkerContext {
  waitUntil(promise: Promise<unknown>): void;
}

/** Options for {@link withSessions}: an object, or a function of `env` (where Workers keep secrets). */
export type WorkerSessionsOptions<Env> = SessionsOptions | ((env: Env) => SessionsOptions);

export type SessionFetchHandler<Env, Ctx, Data extends object, Flash extends object> = (
  request: Request,
  env: Env,
  ctx: Ctx,
  session: Session<Data, Flash>,
) => Response | Promise<Response>;

/**
 * Wraps a `fetch` handler: loads the session before it, commits it onto the returned response
 * after it. Errors from the handler pass through unchanged (nothing is committed); a
 * `CookieTooLargeError` at commit is thrown too, as a server-side bug. The manager is built once
 * per resolved configuration, not per request. Type parameters: the session data, then `Env`
 * (default `Cloudflare.Env`, which `wrangler types` fills in), then flash values.
 */
export function withSessions<
  Data extends object = Record<string, unknown>,
  Env = Cloudflare.Env,
  Flash extends object = Record<string, unknown>,
  Ctx extends WorkerContext = WorkerContext,
>(
  options: WorkerSessionsOptions<Env>,
  handler: SessionFetchHandler<Env, Ctx, Data, Flash>,
): { fetch(request: Request, env: Env, ctx: Ctx): Promise<Response> } {
  const cache = new ManagerCache<Data, Flash>();
  if (typeof options !== "function") cache.get(options);
  return {
    async fetch(request, env, ctx) {
      const sessions = cache.get(resolveOptions(options, env, "check the bindings it reads from env"));
      const session = await sessions.load(request);
      const response = await handler(request, env, ctx, session);
      const waitUntil = typeof ctx?.waitUntil === "function" ? ctx.waitUntil.bind(ctx) : undefined;
      return commitToResponse(sessions, session, response, { waitUntil });
    },
  };
}

/**
 * The manager for an options function of `env`, built once per configuration: for handlers that
 * call `load` and `commit` themselves.
 */
export function sessionsFor<
  Data extends object = Record<string, unknown>,
  Env = Cloudflare.Env,
  Flash extends object = Record<string, unknown>,
>(options: WorkerSessionsOptions<Env>): (env: Env) => Sessions<Data, Flash> {
  const cache = new ManagerCache<Data, Flash>();
  if (typeof options !== "function") cache.get(options);
  return (env) => cache.get(resolveOptions(options, env, "check the bindings it reads from env"));
}

export { commitToResponse } from "./respond.ts";
export type { Session, Sessions, SessionsOptions };
