/**
 * sealed-session on Node with Hono: `@hono/node-server` and the `sealed-session/hono` middleware.
 *
 *   npm install sealed-session hono @hono/node-server
 *   SESSION_SECRETS=<at least 32 random characters> node examples/node-hono.ts
 *
 * (Node 24 runs this TypeScript file as is.) GET / counts your views; POST /login {"user": "ada"}
 * logs in; POST /logout logs out, and a copy of the old cookie is refused from then on.
 */
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import { memoryRevocationStore } from "sealed-session";
import { type SessionEnv, sessions } from "sealed-session/hono";

const secrets = process.env.SESSION_SECRETS;
if (!secrets) {
  console.error(
    "Set SESSION_SECRETS (newest first, comma-separated), e.g. from `npx sealed-session secret`.",
  );
  process.exit(1);
}

// One process, so an in-memory store makes logout real. Several processes need a shared store.
const app = new Hono<SessionEnv<{ views: number }>>()
  .use(sessions({ secrets, revocation: memoryRevocationStore() }))
  .get("/", (c) => {
    const { session } = c.var;
    session.data.views = (session.data.views ?? 0) + 1;
    return c.json({ user: session.userId ?? null, views: session.data.views });
  })
  .post("/login", async (c) => {
    // JSON only: a form post could come from another site (CSRF).
    if (c.req.header("content-type") !== "application/json") return c.body(null, 415);
    const { user } = await c.req.json().catch(() => ({}));
    if (typeof user !== "string" || user === "") return c.json({ error: "user?" }, 400);
    c.var.session.login(user);
    return c.json({ user });
  })
  .post("/logout", (c) => {
    c.var.session.destroy(); // clears the cookie, and revokes its id in the store
    return c.json({ user: null });
  });

serve({ fetch: app.fetch, hostname: "127.0.0.1", port: Number(process.env.PORT ?? 3000) }, (info) =>
  console.log(`Listening on http://127.0.0.1:${info.port}/`),
);
