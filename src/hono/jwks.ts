/**
 * Hono helpers for bearer tokens: the JWKS route, and a middleware that accepts only a bearer token.
 * Tokens come from `createTokens`; on Workers, where keys live in `c.env`, pass a function of the
 * context and create the `Tokens` once per `env` (a `WeakMap`), so keys are imported once.
 */
import type { Context, Handler, MiddlewareHandler } from "hono";
import { createMiddleware } from "hono/factory";
import { type JwksHandlerOptions, jwksHandler } from "../token/jwks.ts";
import type { ClaimValue, RegisteredClaims, TokenReason, Tokens } from "../token/types.ts";

type TokensInput<Claims extends object> = Tokens<Claims> | ((c: Context) => Tokens<Claims>);

const resolve = <Claims extends object>(input: TokensInput<Claims>, c: Context): Tokens<Claims> =>
  typeof input === "function" ? input(c) : input;

/**
 * `app.get("/.well-known/jwks.json", jwksRoute(tokens))`: the public keys, newest first, with
 * `Cache-Control: public, max-age=300` (configurable).
 */
export function jwksRoute(tokens: TokensInput<object>, options: JwksHandlerOptions = {}): Handler {
  return (c) => jwksHandler(resolve(tokens, c), options)(c.req.raw);
}

/** The Hono `Env` {@link bearerAuth} adds: `c.var.token`, the verified claims. */
export type TokenEnv<Claims extends object = Record<string, ClaimValue>> = {
  Variables: { token: RegisteredClaims & Partial<Claims> };
};

/**
 * Accepts a request only with a valid `Authorization: Bearer` token (never a cookie) and puts its
 * claims on `c.var.token`. Otherwise answers `401 {"error": reason}` with a `WWW-Authenticate`
 * header (RFC 6750), or `503` when the revocation store cannot answer: a typed reason, never a 500.
 */
export function bearerAuth<Claims extends object = Record<string, ClaimValue>>(
  tokens: TokensInput<Claims>,
): MiddlewareHandler<TokenEnv<Claims>> {
  return createMiddleware<TokenEnv<Claims>>(async (c, next) => {
    const result = await resolve(tokens, c).verify(c.req.raw);
    if (!result.ok)
      return c.json({ error: result.reason }, statusOf(result.reason), challenge(result.reason));
    c.set("token", result.claims);
    await next();
  });
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
