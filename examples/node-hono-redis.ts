/**
 * sealed-session on Node with Hono, and Redis for everything stateful: revocation (logout holds
 * everywhere), the session registry (see and end your sessions, at most 5 per user) and the data
 * store (a cart that concurrent requests and several server processes change safely).
 *
 *   npm install sealed-session hono @hono/node-server redis
 *   SESSION_SECRETS=<at least 32 random characters> REGISTRY_NAMING_KEY=<another 32, never rotated> \
 *     REDIS_URL=redis://127.0.0.1:6379 node examples/node-hono-redis.ts
 *
 * (Node 24 runs this TypeScript file as is.) GET / counts your views; POST /login {"user": "ada"}
 * logs in; POST /logout logs out. GET /sessions lists your sessions, DELETE /sessions/<id> ends one.
 * POST /cart {"sku": "book"} adds a line to a cart kept in Redis; GET /cart shows it. While Redis is
 * down, requests fail closed (logged out for that request, nothing written) or answer 503 with the
 * error's code — never a 500 — and everything works again once it is back.
 */
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import { createClient } from "redis";
import { SessionError } from "sealed-session";
import { type SessionEnv, sessions } from "sealed-session/hono";
import { nodeRedisClient, redisRegistry } from "sealed-session/registry";
import { redisRevocationStore } from "sealed-session/revocation";
import { redisStore } from "sealed-session/store";

const secrets = process.env.SESSION_SECRETS;
const namingKey = process.env.REGISTRY_NAMING_KEY;
if (!secrets || !namingKey) {
  console.error(
    "Set SESSION_SECRETS and REGISTRY_NAMING_KEY (two different secrets), e.g. from `npx sealed-session secret`.",
  );
  process.exit(1);
}

// No offline queue: while Redis is down, commands fail at once instead of waiting in a queue.
const client = createClient({ url: process.env.REDIS_URL, disableOfflineQueue: true });
client.on("error", (error) => console.error("redis:", error.message)); // node-redis requires a listener
await client.connect();
const redis = nodeRedisClient(client);

type Data = { views?: number; cart?: Record<string, number> };

const app = new Hono<SessionEnv<Data>>()
  .use(
    sessions({
      secrets,
      revocation: redisRevocationStore(redis),
      registry: { store: redisRegistry(redis, { namingKey }), maxSessionsPerUser: 5 },
      store: { store: redisStore(redis) },
    }),
  )
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
    c.var.session.login(user); // registered in Redis when the response is committed
    return c.json({ user });
  })
  .post("/logout", (c) => {
    c.var.session.destroy(); // clears the cookie, ends its registry entry and revokes its id
    return c.json({ user: null });
  })
  .get("/sessions", async (c) => {
    if (c.var.session.userId === undefined) return c.json({ error: "log in first" }, 401);
    return c.json(await c.var.sessions.listSessions(c.var.session));
  })
  .delete("/sessions/:id", async (c) => {
    if (c.var.session.userId === undefined) return c.json({ error: "log in first" }, 401);
    const ended = await c.var.sessions.endSession(c.var.session, c.req.param("id"));
    return ended ? c.json({ ended: true }) : c.json({ error: "no such session" }, 404);
  })
  .get("/cart", (c) => c.json({ cart: c.var.session.data.cart ?? {} }))
  .post("/cart", async (c) => {
    if (c.req.header("content-type") !== "application/json") return c.body(null, 415);
    const { sku } = await c.req.json().catch(() => ({}));
    if (typeof sku !== "string" || sku === "") return c.json({ error: "sku?" }, 400);
    const { session } = c.var;
    // Redis could not be asked (down): the session is read-only for this response. Say so.
    if (session.readOnly) return c.json({ error: session.invalidReason ?? "read_only" }, 503);
    // Only this line changes: requests adding other lines at the same time all land.
    session.data.cart = { ...session.data.cart, [sku]: (session.data.cart?.[sku] ?? 0) + 1 };
    session.moveToStore(); // a cart lives in Redis, not in the cookie
    return c.json({ cart: session.data.cart });
  })
  // The library's errors are typed (a stable code): while Redis is down a login, a cart change or a
  // listing cannot happen, and the client hears so — a 503 with the code, not a 500.
  .onError((error, c) =>
    error instanceof SessionError
      ? c.json({ error: error.code }, 503, { "retry-after": "5" })
      : c.json({ error: "internal" }, 500),
  );

serve({ fetch: app.fetch, hostname: "127.0.0.1", port: Number(process.env.PORT ?? 3000) }, (info) =>
  console.log(`Listening on http://127.0.0.1:${info.port}/`),
);
