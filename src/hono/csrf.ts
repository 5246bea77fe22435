/**
 * Hono guards for HTML forms and sensitive actions, mounted after `sessions()`:
 * `csrfProtection()` refuses unsafe requests from foreign origins or without the session's CSRF
 * token (403 `{"error": "csrf", "reason": …}`); `requireFreshAuth(seconds)` refuses a user whose
 * last authentication is older (403 `{"error": "reauth_required"}`; 401 `{"error": "login_required"}`
 * when anonymous). Both only read the session; the core does the checking.
 */
import type { Context, MiddlewareHandler } from "hono";
import { createMiddleware } from "hono/factory";
import { type CsrfFailure, type CsrfOptions, checkCsrf, type SecFetchSite } from "../csrf/index.ts";
import { ConfigError } from "../errors.ts";
import type { SessionEnv } from "./index.ts";

/** `csrfProtection` options: those of `checkCsrf`, with hono/csrf's `(value, c)` functions. */
export interface HonoCsrfOptions extends Omit<CsrfOptions, "origin" | "secFetchSite" | "readField"> {
  /** Origins allowed besides the request's own; as `hono/csrf`'s `origin`. */
  readonly origin?: string | readonly string[] | ((origin: string, c: Context) => boolean);
  /** `Sec-Fetch-Site` values accepted without an `Origin` header. Default `"same-origin"`. */
  readonly secFetchSite?: SecFetchSite | readonly SecFetchSite[] | ((value: string, c: Context) => boolean);
  /** The response for a refused request. Default: 403 `{"error": "csrf", "reason": <reason>}`. */
  readonly onFailure?: (c: Context, reason: CsrfFailure) => Response | Promise<Response>;
}

function sessionOf<Data extends object, Flash extends object>(
  c: Context<SessionEnv<Data, Flash>>,
  guard: string,
) {
  const session = c.get("session");
  const sessions = c.get("sessions");
  if (session === undefined || sessions === undefined) {
    throw new ConfigError(`${guard} needs the sessions() middleware mounted before it`);
  }
  return { session, sessions };
}

/**
 * Refuses unsafe requests (POST, PUT, PATCH, DELETE, …) that come from a foreign origin or lack this
 * session's CSRF token, from the `x-csrf-token` header or the `_csrf` form field. Put the token in
 * each form with `await c.var.sessions.csrfToken(c.var.session)`. For HTML-form routes; a JSON API
 * can keep refusing non-JSON bodies instead (see docs/safe-flows.md).
 */
export function csrfProtection<
  Data extends object = Record<string, unknown>,
  Flash extends object = Record<string, unknown>,
>(options: HonoCsrfOptions = {}): MiddlewareHandler<SessionEnv<Data, Flash>> {
  const { onFailure, origin, secFetchSite, ...rest } = options;
  return createMiddleware<SessionEnv<Data, Flash>>(async (c, next) => {
    const { session, sessions } = sessionOf(c, "csrfProtection()");
    const result = await checkCsrf(sessions, session, c.req.raw, {
      ...rest,
      origin: typeof origin === "function" ? (value) => origin(value, c) : origin,
      secFetchSite: typeof secFetchSite === "function" ? (value) => secFetchSite(value, c) : secFetchSite,
      // Hono caches the parsed body, so the handler can still call c.req.parseBody().
      readField: async (_request, field) => (await c.req.parseBody())[field],
    });
    if (!result.ok) {
      if (onFailure) return onFailure(c, result.reason);
      return c.json({ error: "csrf", reason: result.reason }, 403);
    }
    await next();
  });
}

/**
 * Lets through only a user who authenticated at most `seconds` ago (`session.isFresh`): for changing
 * a password or an e-mail address, deleting an account, paying. Otherwise 403
 * `{"error": "reauth_required"}` — ask for the password again, then call `session.reauthenticated()`
 * (or `login`) — or 401 `{"error": "login_required"}` without a user. `seconds` may be a function of
 * the context (a value from `c.env`).
 */
export function requireFreshAuth<
  Data extends object = Record<string, unknown>,
  Flash extends object = Record<string, unknown>,
>(seconds: number | ((c: Context) => number)): MiddlewareHandler<SessionEnv<Data, Flash>> {
  if (typeof seconds === "number" && !(seconds >= 0)) {
    throw new ConfigError("requireFreshAuth(seconds) needs a number of seconds from 0");
  }
  return createMiddleware<SessionEnv<Data, Flash>>(async (c, next) => {
    const { session } = sessionOf(c, "requireFreshAuth()");
    if (session.userId === undefined) return c.json({ error: "login_required" }, 401);
    const limit = typeof seconds === "function" ? seconds(c) : seconds;
    if (!session.isFresh(limit)) return c.json({ error: "reauth_required" }, 403);
    await next();
  });
}
