/**
 * The Hono handler for a refresh endpoint: `app.post("/token/refresh", refreshRoute())`. It exchanges
 * the request's refresh token through the `sessions` middleware's manager (its `tokens` option with
 * `refresh`) and answers with the new pair, or a typed refusal — never a 500 for a bad token or a
 * store that is down.
 */
import type { Context, Handler } from "hono";
import { ConfigError } from "../errors.ts";
import type { Sessions } from "../session/manager.ts";
import type { ClaimValue, RefreshReason } from "../token/types.ts";

export interface RefreshRouteOptions {
  /**
   * Where the refresh token is. Default: the `refreshToken` member of a JSON body. Give a function
   * when the body was read before (by a middleware), or the token comes another way.
   */
  readonly token?: (c: Context) => unknown;
  /** Custom claims of the new access token (names listed in `claims`), from the family's user. */
  readonly claims?: (
    userId: string,
    c: Context,
  ) => Record<string, ClaimValue | undefined> | Promise<Record<string, ClaimValue | undefined>>;
}

/**
 * `POST` handler: `200 {"token", "expiresAt", "refreshToken", "refreshExpiresAt"}` (times in epoch
 * seconds, `Cache-Control: no-store`); `400 {"error": "missing"}` without a token; `401 {"error":
 * reason}` for a refused one — `refresh_reused` means the family is over, so the client must log in
 * again; `503` with `Retry-After` when the registry cannot answer (nothing was spent: retry with the
 * same token). Mount the `sessions` middleware (with `tokens: sessionTokens({ ..., refresh })`) first.
 */
export function refreshRoute(options: RefreshRouteOptions = {}): Handler {
  return async (c) => {
    const sessions = c.get("sessions") as Sessions<object, object> | undefined;
    if (sessions === undefined) {
      throw new ConfigError(
        "refreshRoute() exchanges through the sessions middleware: mount sessions({ ..., tokens: " +
          "sessionTokens({ ..., refresh: true }) }) before it",
      );
    }
    const token = options.token ? await options.token(c) : await bodyToken(c);
    const claims = options.claims;
    const result = await sessions.refresh(typeof token === "string" ? token : undefined, {
      claims: claims && ((userId: string) => claims(userId, c)),
    });
    c.header("cache-control", "no-store");
    if (!result.ok)
      return c.json({ error: result.reason }, statusOf(result.reason), headersOf(result.reason));
    const { token: accessToken, expiresAt, refreshToken, refreshExpiresAt } = result;
    return c.json({ token: accessToken, expiresAt, refreshToken, refreshExpiresAt });
  };
}

/** `refreshToken` of a JSON body, or undefined for any other body. */
async function bodyToken(c: Context): Promise<unknown> {
  try {
    const body = (await c.req.json()) as unknown;
    return typeof body === "object" && body !== null
      ? (body as { refreshToken?: unknown }).refreshToken
      : undefined;
  } catch {
    return undefined;
  }
}

const statusOf = (reason: RefreshReason) =>
  reason === "missing" ? 400 : reason === "revocation_unavailable" ? 503 : 401;

const headersOf = (reason: RefreshReason): Record<string, string> =>
  reason === "revocation_unavailable" ? { "retry-after": "5" } : {};
