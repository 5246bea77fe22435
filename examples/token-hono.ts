// Bearer tokens next to cookie sessions: the browser app logs in with a cookie, asks for a short-lived
// signed token, and APIs (this one or another service) accept only that token.
import { Hono } from "hono";
import { createTokens, memoryRevocationStore } from "sealed-session";
import { bearerAuth, jwksRoute, sessions } from "sealed-session/hono";

export function tokenApp(config: { secrets: string; signingKeys: string }) {
  // One store for both, so logout and "log out everywhere" reach tokens too (KV on Workers).
  const revocation = memoryRevocationStore();
  const tokens = createTokens({
    signingKeys: config.signingKeys, // a private JWK from a secret, e.g. env.TOKEN_SIGNING_KEYS
    issuer: "my-app",
    audience: "my-api",
    ttl: 300, // fixed: clients come back with their cookie for a new one
    revocation,
  });

  return (
    new Hono()
      .use("/app/*", sessions({ secrets: config.secrets, revocation }))
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
        const { token, expiresAt } = await tokens.issue(c.var.session);
        return c.json({ token, expiresAt });
      })
      // Bearer only: a cookie never authenticates these routes, so they need no CSRF defence.
      .use("/api/*", bearerAuth(tokens))
      .get("/api/whoami", (c) => c.json({ user: c.var.token.sub }))
      // What other services fetch to verify tokens on their own.
      .get("/.well-known/jwks.json", jwksRoute(tokens))
  );
}
