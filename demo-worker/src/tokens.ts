/**
 * The demo's bearer-token routes (mounted in api.ts and index.ts). Tokens share the sessions'
 * revocation store, so logout and "log out everywhere" reach them. `npm start` writes
 * TOKEN_SIGNING_KEYS to .dev.vars on its first run.
 *
 * POST /api/token     → 200 {"token": "<jws>", "expiresAt": <epoch seconds>} for the logged-in user, 401 when anonymous
 * GET  /api/token/me  → 200 {"user": "<name>", ...} with a bearer token only; 401 {"error": "<reason>"} otherwise
 * GET  /.well-known/jwks.json → the public keys
 */
import { Hono } from "hono";
import {
  ConfigError,
  createTokens,
  type RevocationOptions,
  type RevocationStore,
  type Tokens,
} from "sealed-session";
import { bearerAuth, type SessionEnv } from "sealed-session/hono";

export const DEMO_ISSUER = "sealed-session-demo";
export const DEMO_AUDIENCE = "sealed-session-demo-api";

export interface TokenBindings {
  /** Private JWK (or a JSON array of JWKs, newest first). `npm start` writes one to .dev.vars. */
  TOKEN_SIGNING_KEYS?: string;
}

export const MISSING_SIGNING_KEY =
  "TOKEN_SIGNING_KEYS is not set, so the demo cannot issue tokens. Locally, `npm start` writes one to " +
  ".dev.vars; for a deployed Worker run `node scripts/gen-signing-key.mjs | npx wrangler secret put TOKEN_SIGNING_KEYS`.";

// `env` is the same object on every request of an isolate: one Tokens per env imports the keys once.
const tokensByEnv = new WeakMap<object, Tokens>();

/**
 * The demo's tokens: signed (EdDSA), 5 minutes, `iss` "sealed-session-demo", `aud` "sealed-session-demo-api".
 * Pass the sessions' revocation store so logout and "log out everywhere" reach tokens too.
 */
export function demoTokens(env: TokenBindings, revocation?: RevocationStore | RevocationOptions): Tokens {
  let tokens = tokensByEnv.get(env);
  if (tokens === undefined) {
    if (typeof env.TOKEN_SIGNING_KEYS !== "string" || env.TOKEN_SIGNING_KEYS.trim() === "") {
      throw new ConfigError(MISSING_SIGNING_KEY);
    }
    tokens = createTokens({
      signingKeys: env.TOKEN_SIGNING_KEYS,
      issuer: DEMO_ISSUER,
      audience: DEMO_AUDIENCE,
      ttl: 300,
      revocation,
      onInvalid: ({ reason }) => console.log(`demo: rejected bearer token (${reason})`),
    });
    tokensByEnv.set(env, tokens);
  }
  return tokens;
}

/**
 * `POST /` issues a token from the cookie session; `GET /me` accepts only a bearer token.
 * Mount it under a router that already runs the `sessions` middleware.
 */
export function tokenRoutes<Bindings extends object>(tokensFor: (env: Bindings) => Tokens) {
  return new Hono<{ Bindings: Bindings } & SessionEnv>()
    .post("/", async (c) => {
      const session = c.var.session;
      if (session.userId === undefined) return c.json({ error: "not logged in" }, 401);
      const { token, expiresAt } = await tokensFor(c.env).issue(session);
      c.header("cache-control", "no-store");
      return c.json({ token, expiresAt });
    })
    .get(
      "/me",
      bearerAuth((c) => tokensFor(c.env as Bindings)),
      (c) => {
        const claims = c.var.token;
        return c.json({ user: claims.sub, expiresAt: claims.exp, issuer: claims.iss, audience: claims.aud });
      },
    );
}
