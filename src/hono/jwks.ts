/**
 * Hono helpers for bearer tokens: the JWKS route, and a middleware that accepts only a bearer token.
 * The simplest wiring puts tokens in the sessions' options (`tokens: sessionTokens({...})`): then
 * `bearerAuth()` verifies with the sessions' own revocation store, and `jwksRoute` needs only the
 * signing keys. A `Tokens` from `createTokens` works too; on Workers, where keys and stores live in
 * `c.env`, create it once per everything it is built from (keys *and* store), never per `env` alone
 * with whatever store the first request happened to pass.
 */
import type { Context, Handler, MiddlewareHandler } from "hono";
import { createMiddleware } from "hono/factory";
import { ConfigError } from "../errors.ts";
import type { Sessions } from "../session/manager.ts";
import { type JwksHandlerOptions, type JwksSource, jwksHandler, jwksResponse } from "../token/jwks.ts";
import type { ClaimValue, RegisteredClaims, TokenReason, Tokens, TokenVerification } from "../token/types.ts";

type Verifier<Claims extends object> = Pick<Tokens<Claims>, "verify">;
type TokensInput<Claims extends object> = Verifier<Claims> | ((c: Context) => Verifier<Claims>);

/**
 * `app.get("/.well-known/jwks.json", jwksRoute((c) => c.env.TOKEN_SIGNING_KEYS))`: the public keys, newest first, with
 * `Cache-Control: public, max-age=300` (configurable). Give it the signing keys (the `signingKeys`
 * option's value; on Workers a function of the context, `(c) => c.env.TOKEN_SIGNING_KEYS`) or a
 * `Tokens`. Publishing needs no revocation store; keys are imported once per distinct key text.
 */
export function jwksRoute(
  source: JwksSource | ((c: Context) => JwksSource),
  options: JwksHandlerOptions = {},
): Handler {
  if (typeof source !== "function") {
    const handler = jwksHandler(source, options);
    return (c) => handler(c.req.raw);
  }
  return (c) => jwksResponse(source(c), c.req.raw, options);
}

/** The Hono `Env` {@link bearerAuth} adds: `c.var.token`, the verified claims. */
export type TokenEnv<Claims extends object = Record<string, ClaimValue>> = {
  Variables: { token: RegisteredClaims & Partial<Claims> };
};

/**
 * Accepts a request only with a valid `Authorization: Bearer` token (never a cookie) and puts its
 * claims on `c.var.token`. Otherwise answers `401 {"error": reason}` with a `WWW-Authenticate`
 * header (RFC 6750), or `503` when the revocation store cannot answer: a typed reason, never a 500.
 * `bearerAuth()` verifies with the `sessions` middleware's manager (its `tokens` option, so its
 * revocation store): mount `sessions` first. Or pass a `Tokens` (or a function of the context).
 */
export function bearerAuth<Claims extends object = Record<string, ClaimValue>>(
  tokens?: TokensInput<Claims>,
): MiddlewareHandler<TokenEnv<Claims>> {
  return createMiddleware<TokenEnv<Claims>>(async (c, next) => {
    const result = await (tokens === undefined
      ? viaSessions<Claims>(c)
      : resolve(tokens, c).verify(c.req.raw));
    if (!result.ok)
      return c.json({ error: result.reason }, statusOf(result.reason), challenge(result.reason));
    c.set("token", result.claims);
    await next();
  });
}

const resolve = <Claims extends object>(input: TokensInput<Claims>, c: Context): Verifier<Claims> =>
  typeof input === "function" ? input(c) : input;

/** `bearerAuth()`: verified by the `sessions` middleware's manager (its `tokens` option, its store). */
function viaSessions<Claims extends object>(c: Context): Promise<TokenVerification<Claims>> {
  const sessions = c.get("sessions") as Sessions<object, object> | undefined;
  if (sessions === undefined) {
    throw new ConfigError(
      "bearerAuth() without tokens verifies with the sessions middleware's `tokens` option: mount " +
        "sessions({ ..., tokens: sessionTokens({...}) }) before it, or pass bearerAuth(tokens)",
    );
  }
  return sessions.verifyToken(c.req.raw) as Promise<TokenVerification<Claims>>;
}

const statusOf = (reason: TokenReason) => (reason === "revocation_unavailable" ? 503 : 401);

function challenge(reason: TokenReason): Record<string, string> {
  if (reason === "revocation_unavailable") return { "retry-after": "5" };
  // RFC 6750 §3: no error code when the request had no token at all.
  return {
    "www-authenticate":
      reason === "missing" ? "Bearer" : `Bearer error="invalid_token", error_description="${reason}"`,
  };
}
