/**
 * The demo's bearer-token routes (mounted in api.ts and index.ts). Tokens are the sessions' own
 * (`tokens` in config.ts's session options), so they are verified against the sessions' revocation
 * store whatever the order of requests: logout and "log out everywhere" always reach them. The JWKS
 * needs only the signing keys. `npm start` writes TOKEN_SIGNING_KEYS to .dev.vars on its first run.
 *
 * POST /api/token     → 200 {"token": "<jws>", "expiresAt": <epoch seconds>} for the logged-in user, 401 when anonymous
 * GET  /api/token/me  → 200 {"user": "<name>", ...} with a bearer token only; 401 {"error": "<reason>"} otherwise
 * GET  /.well-known/jwks.json → the public keys
 */
import { Hono } from "hono";
import { ConfigError, type SessionTokens, sessionTokens } from "sealed-session";
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

const hasSigningKey = (env: TokenBindings) =>
  typeof env.TOKEN_SIGNING_KEYS === "string" && env.TOKEN_SIGNING_KEYS.trim() !== "";

/** The signing keys, for the JWKS; a `ConfigError` naming the fix when they are not set. */
export function demoSigningKeys(env: TokenBindings): string {
  if (!hasSigningKey(env)) throw new ConfigError(MISSING_SIGNING_KEY);
  return env.TOKEN_SIGNING_KEYS as string;
}

/**
 * The `tokens` option of the demo's sessions: signed (EdDSA), 5 minutes, `iss` "sealed-session-demo",
 * `aud` "sealed-session-demo-api", and the sessions' revocation store. Undefined without a signing
 * key, so the rest of the demo still runs; the token routes then answer with {@link MISSING_SIGNING_KEY}.
 */
export function demoSessionTokens(env: TokenBindings): SessionTokens | undefined {
  if (!hasSigningKey(env)) return undefined;
  return sessionTokens({
    signingKeys: env.TOKEN_SIGNING_KEYS,
    issuer: DEMO_ISSUER,
    audience: DEMO_AUDIENCE,
    ttl: 300,
    onInvalid: logRejectedToken,
  });
}

/** Logs why a bearer token was rejected: the reason code only, never the token. */
function logRejectedToken({ reason }: { reason: string }): void {
  console.log(`demo: rejected bearer token (${reason})`);
}

/**
 * `POST /` issues a token from the cookie session; `GET /me` accepts only a bearer token. Mount it
 * under a router whose `sessions` middleware has `tokens: demoSessionTokens(env)` in its options.
 */
export function tokenRoutes() {
  return new Hono<{ Bindings: TokenBindings } & SessionEnv>()
    .use(async (c, next) => {
      demoSigningKeys(c.env); // a missing key is a 500 that says how to fix it (index.ts onError)
      await next();
    })
    .post("/", async (c) => {
      const session = c.var.session;
      if (session.userId === undefined) return c.json({ error: "not logged in" }, 401);
      const { token, expiresAt } = await c.var.sessions.issueToken(session);
      c.header("cache-control", "no-store");
      return c.json({ token, expiresAt });
    })
    .get("/me", bearerAuth(), (c) => {
      const claims = c.var.token;
      // Who the token belongs to: for this client only, never for a cache.
      c.header("cache-control", "no-store");
      return c.json({ user: claims.sub, expiresAt: claims.exp, issuer: claims.iss, audience: claims.aud });
    });
}
