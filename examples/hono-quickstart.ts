// Hono quick start: a typed session on c.var.session, secrets from the Worker's env.
import { Hono } from "hono";
import { sessions } from "sealed-session/hono";

type Bindings = { SESSION_SECRETS: string };
type Data = { views: number; user?: string };

const app = new Hono<{ Bindings: Bindings }>()
  // A function of c, because on Workers secrets arrive with each request in c.env.
  .use(sessions<Data>((c) => ({ secrets: c.env.SESSION_SECRETS, idleTimeout: 30 * 60 })))
  .get("/", (c) => {
    const session = c.var.session; // Session<Data>: no casts
    session.data.views = (session.data.views ?? 0) + 1;
    return c.json({ views: session.data.views, user: session.userId ?? null });
  })
  .post("/login", async (c) => {
    const { user } = await c.req.json<{ user: string }>();
    // ...check the password first; login() issues a new session id (no fixation).
    c.var.session.login(user);
    return c.json({ user });
  })
  .post("/logout", (c) => {
    c.var.session.destroy();
    return c.body(null, 204);
  });

export default app;
