// Bearer tokens next to cookie sessions: the browser app logs in with a cookie, asks for a short-lived
// signed token, and APIs (this one or another service) accept only that token.
import { Hono } from "hono";
import { memoryRevocationStore, sessionTokens } from "sealed-session";
import { bearerAuth, jwksRoute, sessions } from "sealed-session/hono";

export function tokenApp(config: { secrets: string; signingKeys: string }) {
  const revocation = memoryRevocationStore(); // KV on Workers
  const tokens = sessionTokens({
    signingKeys: config.signingKeys, // a private JWK from a secret, e.g. env.TOKEN_SIGNING_KEYS
    issuer: "my-app",
    audience: "my-api",
    ttl: 300, // fixed: clients come back with their cookie for a new one
  });

  return (
    new Hono()
      // Tokens belong to the sessions: same store, so logout and "log out everywhere" reach them too.
      .use(sessions({ secrets: config.secrets, revocation, tokens }))
      .post("/app/login", async (c) => {
        const { user } = await c.req.json<{ user: string }>();
        c.var.session.login(user); // after checking the password
        return c.json({ user });
      })
      .post("/app/logout", (c) => {
        c.var.session.destroy();
        return c.json({ user: null });
      })
      .post("/app/token", async (c) => {
        if (c.var.session.userId === undefined) return c.json({ error: "not logged in" }, 401);
        const { token, expiresAt } = await c.var.sessions.issueToken(c.var.session);
        c.header("cache-control", "no-store");
        return c.json({ token, expiresAt });
      })
      // Bearer only, checked with the sessions' tokens and store: a cookie never authenticates these
      // routes, so they need no CSRF defence.
      .use("/api/*", bearerAuth())
      .get("/api/whoami", (c) => {
        c.header("cache-control", "no-store");
        return c.json({ user: c.var.token.sub });
      })
      // What other services fetch to verify tokens on their own: public keys only, no store needed.
      .get("/.well-known/jwks.json", jwksRoute(config.signingKeys))
  );
}
