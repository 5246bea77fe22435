/**
 * SvelteKit `handle` hook: `export const handle = sessions(options)` in `src/hooks.server.ts` puts a
 * session on `event.locals.session` (typed through `App.Locals`, see {@link SessionLocals}) and
 * commits it once, onto whatever response SvelteKit produced for the request.
 */
import type { RequestEvent } from "@sveltejs/kit";
import type { Handle } from "@sveltejs/kit/hooks";
import type { WaitUntil } from "../revocation/policy.ts";
import type { CommitOptions, Sessions, SessionsOptions } from "../session/manager.ts";
import type { Session } from "../session/session.ts";
import { ManagerCache, resolveOptions } from "../workers/manager-cache.ts";
import { commitToResponse } from "../workers/respond.ts";

/**
 * What the hook puts on `event.locals`. Declare it in `src/app.d.ts`, and the session is typed in
 * every `load`, action, endpoint and hook:
 *
 *   import type { SessionLocals } from "sealed-session/sveltekit";
 *   declare global {
 *     namespace App {
 *       interface Locals extends SessionLocals<{ views: number }> {}
 *     }
 *   }
 *   export {};
 */
export interface SessionLocals<
  Data extends object = Record<string, unknown>,
  Flash extends object = Record<string, unknown>,
> {
  /** This request's session. */
  session: Session<Data, Flash>;
  /** The manager that loaded it (for `revokeUser`, `estimateSize`, bearer tokens). */
  sessions: Sessions<Data, Flash>;
}

/**
 * The `handle` hook. `options` is an object, or a function of the request event for options that
 * live in `event.platform` (Cloudflare bindings): it runs on every request, equal results share one
 * manager (keys are derived once), and functions and stores in its result must be created once.
 *
 * The hook loads the session before `resolve` and commits it onto the response
 * `resolve` returns — pages, endpoints, form actions, `__data.json` requests, remote functions,
 * `redirect()` and `error()` thrown in them, and error pages alike — appending its `Set-Cookie`
 * headers next to SvelteKit's own. A `redirect()` thrown by a later hook of a `sequence` is committed
 * through `event.cookies`, which SvelteKit adds to that redirect. Compose it with `sequence`, first
 * among the hooks that use `event.locals.session`. Mounted twice, the second does nothing.
 * A `CookieTooLargeError` at commit, or a `ConfigError` from an options function, is thrown on
 * (SvelteKit's `handleError` sees it): both are server-side bugs.
 */
export function sessions(options: SessionsOptions | ((event: RequestEvent) => SessionsOptions)): Handle {
  const cache = new ManagerCache<Record<string, unknown>, Record<string, unknown>>();
  // Fixed options are validated now, so a misconfiguration stops the server at start-up.
  if (typeof options !== "function") cache.get(options);

  return async ({ event, resolve }) => {
    // `App.Locals` is the app's own declaration; this hook owns these two members of it.
    const locals = event.locals as Partial<SessionLocals>;
    // Mounted twice (in a sequence, say)? The outer one loads and commits; a second load would put
    // a second session on locals and a second Set-Cookie on the response.
    if (locals.session !== undefined) return resolve(event);
    const manager = cache.get(resolveOptions(options, event, "check what it reads from event.platform"));
    const session = await manager.load(event.request);
    locals.session = session;
    locals.sessions = manager;
    const commitOptions: CommitOptions = { waitUntil: waitUntilOf(event) };
    let response: Response;
    try {
      response = await resolve(event);
    } catch (error) {
      // Only a later hook's throw gets here (SvelteKit turns everything thrown inside `resolve`
      // into a response). A redirect is built from `event.cookies`; any other error becomes a
      // bare error page that carries no cookies at all, so there is nothing to commit onto.
      if (isRedirect(error)) await commitToCookies(manager, session, event, commitOptions);
      throw error;
    }
    return commitToResponse(manager, session, response, commitOptions);
  };
}

/** SvelteKit's `Redirect` (`redirect()`), recognised by shape so this module imports no SvelteKit code. */
function isRedirect(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const { status, location } = error as { status?: unknown; location?: unknown };
  return typeof status === "number" && status >= 300 && status <= 308 && typeof location === "string";
}

const verbatim = (value: string) => value;

/**
 * Commits into scratch headers, then hands each `Set-Cookie` to `event.cookies` verbatim (as
 * SvelteKit does with the cookies of its own server-side `fetch`). Every attribute SvelteKit would
 * otherwise default (HttpOnly, Secure, SameSite, Path) is given explicitly, present or not.
 */
async function commitToCookies(
  manager: Sessions<Record<string, unknown>, Record<string, unknown>>,
  session: Session,
  event: RequestEvent,
  options: CommitOptions,
): Promise<void> {
  const scratch = new Headers();
  await manager.commit(session, scratch, options);
  for (const line of scratch.getSetCookie()) {
    const { name, value, ...attributes } = event.cookies.parse(line, { decode: verbatim });
    event.cookies.set(name, value ?? "", {
      httpOnly: false,
      secure: false,
      sameSite: undefined,
      ...attributes,
      path: attributes.path ?? "/",
      encode: verbatim,
    });
  }
}

/** Cloudflare's `platform.context.waitUntil` (adapter-cloudflare), so a failed revocation write is retried. */
function waitUntilOf(event: RequestEvent): WaitUntil | undefined {
  const context = (event.platform as { context?: { waitUntil?: unknown } } | undefined)?.context;
  const waitUntil = context?.waitUntil;
  return typeof waitUntil === "function" ? (waitUntil.bind(context) as WaitUntil) : undefined;
}

export type { Session, Sessions, SessionsOptions };
