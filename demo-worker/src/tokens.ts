/**
 * The demo's bearer-token routes (mounted in api.ts and index.ts). Tokens are the sessions' own
 * (`tokens` in config.ts's session options), so they are verified against the sessions' revocation
 * store whatever the order of requests: logout and "log out everywhere" always reach them. The JWKS
 * needs only the signing keys. `npm start` writes TOKEN_SIGNING_KEYS to .dev.vars on its first run.
 *
 * POST /api/token     → 200 {"token": "<jws>", "expiresAt": <epoch seconds>} for the logged-in user, 401 when anonymous;
 *                       with {"refresh": true} (and an optional "label") also "refreshToken" and "refreshExpiresAt":
 *                       a refresh-token family of its own in the registry, listed among the user's sessions
 * POST /api/token/refresh {"refreshToken"} → 200 with a new pair (the old refresh token is spent);
 *                       401 {"error": "refresh_reused"} for a spent one: its family and the session it came from are over
 * POST /api/token/revoke  {"refreshToken"} → 200 {"revoked": bool}: a client logging out ends its family
 * GET  /api/token/me  → 200 {"user": "<name>", ...} with a bearer token only; 401 {"error": "<reason>"} otherwise
 * GET  /.well-known/jwks.json → the public keys
 *
 * Refresh tokens need the registry (SESSION_REGISTRY, bound in wrangler.toml): each exchange is one atomic
 * step in the user's Durable Object. Logout of the session that issued a family, "log out other devices"
 * and "log out everywhere" end families too, and with them their access tokens.
 */
import { Hono } from "hono";
import { ConfigError, SessionError, type SessionTokens, sessionTokens } from "sealed-session";
import { bearerAuth, refreshRoute, type SessionEnv } from "sealed-session/hono";
import type { RulesEnv } from "./rules.ts";

export const DEMO_ISSUER = "sealed-session-demo";
export const DEMO_AUDIENCE = "sealed-session-demo-api";

export interface TokenBindings {
  /** Private JWK (or a JSON array of JWKs, newest first). `npm start` writes one to .dev.vars. */
  TOKEN_SIGNING_KEYS?: string;
  /** The session registry: refresh tokens are offered only with it (their one-time use needs it). */
  SESSION_REGISTRY?: unknown;
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
    // Families last as long as the login they came from may (the sessions' maxAge); no reuse grace.
    refresh: env.SESSION_REGISTRY ? { label: "App" } : undefined,
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
  return (
    new Hono<{ Bindings: TokenBindings } & SessionEnv & RulesEnv>()
      .use(async (c, next) => {
        demoSigningKeys(c.env); // a missing key is a 500 that says how to fix it (index.ts onError)
        await next();
      })
      .post("/", async (c) => {
        const session = c.var.session;
        if (session.userId === undefined) return c.json({ error: "not logged in" }, 401);
        const body = bodyOf(c.var.body);
        c.header("cache-control", "no-store");
        if (body.refresh === true) {
          const label = typeof body.label === "string" ? body.label : undefined;
          try {
            const pair = await c.var.sessions.issueToken(session, { refresh: true, label });
            const { token, expiresAt, refreshToken, refreshExpiresAt } = pair;
            return c.json({ token, expiresAt, refreshToken, refreshExpiresAt });
          } catch (error) {
            // The session was ended elsewhere after this request loaded it.
            if (error instanceof SessionError && error.code === "revoked")
              return c.json({ error: "revoked" }, 401);
            throw error;
          }
        }
        const { token, expiresAt } = await c.var.sessions.issueToken(session);
        return c.json({ token, expiresAt });
      })
      // Bearer clients have no cookie: the refresh token in the body is all they present.
      .post("/refresh", refreshRoute({ token: (c) => bodyOf(c.get("body")).refreshToken }))
      .post("/revoke", async (c) => {
        c.header("cache-control", "no-store");
        return c.json({ revoked: await c.var.sessions.revokeRefreshToken(tokenOf(c.var.body)) });
      })
      .get("/me", bearerAuth(), (c) => {
        const claims = c.var.token;
        // Who the token belongs to: for this client only, never for a cache.
        c.header("cache-control", "no-store");
        return c.json({ user: claims.sub, expiresAt: claims.exp, issuer: claims.iss, audience: claims.aud });
      })
  );
}

const bodyOf = (body: unknown): Record<string, unknown> =>
  typeof body === "object" && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : {};

const tokenOf = (body: unknown): string | undefined => {
  const token = bodyOf(body).refreshToken;
  return typeof token === "string" ? token : undefined;
};
