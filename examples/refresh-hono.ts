// Refresh tokens for clients without cookies (a native app, a CLI): the app checks a password its own
// way, starts a refresh-token family, and the client swaps its refresh token for a new pair whenever
// its short-lived access token runs out. Each family is a session in the registry: the user sees it
// among their devices and can end it; a spent refresh token presented again ends it.
import { Hono } from "hono";
import { type RegistryStore, sessionTokens } from "sealed-session";
import { bearerAuth, refreshRoute, sessions } from "sealed-session/hono";

export function refreshApp(config: {
  secrets: string;
  registry: RegistryStore; // durableObjectRegistry(env.SESSION_REGISTRY, { namingKey }) on Workers
  checkPassword: (user: string, password: string) => Promise<boolean>;
}) {
  const tokens = sessionTokens({
    issuer: "my-app",
    audience: "my-api",
    ttl: 300, // access tokens: 5 minutes, then the client refreshes
    refresh: { maxAge: 30 * 86_400 }, // a family lives 30 days from the login, however often it rotates
  });

  return (
    new Hono()
      .use(sessions({ secrets: config.secrets, registry: config.registry, tokens }))
      // The app authenticates the user its own way, then hands out the family's first pair.
      .post("/auth/login", async (c) => {
        const { user, password, device } = await c.req.json<{
          user: string;
          password: string;
          device?: string;
        }>();
        if (!(await config.checkPassword(user, password)))
          return c.json({ error: "wrong user or password" }, 401);
        const pair = await c.var.sessions.create(user, { label: device ?? "CLI" });
        c.header("cache-control", "no-store");
        return c.json({
          token: pair.token,
          expiresAt: pair.expiresAt,
          refreshToken: pair.refreshToken,
          refreshExpiresAt: pair.refreshExpiresAt,
        });
      })
      // {"refreshToken"} → a new pair; 401 {"error": "refresh_reused" | "revoked" | "expired" | …}: log in again.
      .post("/auth/refresh", refreshRoute())
      // The client logs out: its family ends, with every token it holds.
      .post("/auth/logout", async (c) => {
        const { refreshToken } = await c.req.json<{ refreshToken?: string }>();
        return c.json({ revoked: await c.var.sessions.revokeRefreshToken(refreshToken) });
      })
      // Bearer only: checked against the registry, so an ended family's access tokens stop at once.
      .use("/api/*", bearerAuth())
      .get("/api/whoami", (c) => {
        c.header("cache-control", "no-store");
        return c.json({ user: c.var.token.sub });
      })
  );
}
